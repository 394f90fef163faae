// Browser test: starts `cosinum serve --demo`, signs in as each demo role,
// crawls every reachable page and checks HTTP status, console errors, failed
// subresources and WCAG 2.1 AA (axe-core). Run: node tests/browser/run.mjs
//
// Uses Debian's Chromium through playwright-core: the machines reach no
// browser download host, so Playwright's own browser builds are not an option.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.resolve(ROOT, process.env.COSINUM_BIN || 'target/debug/cosinum');
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'artifacts');
const SHOTS = path.join(ARTIFACTS, 'screenshots');
const AXE = path.join(ROOT, 'node_modules/axe-core/axe.min.js');
const PASSWORD = 'demo-cosinum-2026';
const MAX_PAGES = 80;
const MAX_PER_PATTERN = 3;
const MIN_PAGES_SIGNED_IN = 5;
// A safety net against a hung browser, not a performance limit: the crawl
// (345 pages × 6 roles' worth of axe-core runs on a debug build) takes 6–8
// minutes on 2 cores and more when the machine is busy.
const GLOBAL_TIMEOUT_MS = 20 * 60 * 1000;
const ROLES = [
  { role: 'anonymous' },
  { role: 'admin', email: 'admin@demo.cosinum.fr' },
  { role: 'steering', email: 'pilotage@demo.cosinum.fr' },
  { role: 'ministry_editor', email: 'editeur.interieur@demo.cosinum.fr' },
  { role: 'ministry_reader', email: 'lecteur.interieur@demo.cosinum.fr' },
];
// No background traffic: nothing but the registries is reachable from here.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const CHECKED_SUBRESOURCES = new Set(['stylesheet', 'script', 'font', 'image']);

let passed = 0, failed = 0;
let server = null, browser = null, tmpDir = null, AXE_SOURCE = '';

function report(ok, role, where, reasons = []) {
  if (ok) passed++; else failed++;
  console.log(ok ? `ok ${role} ${where}` : `FAIL ${role} ${where}: ${reasons.join('; ')}`);
}

function summaryAndExit(code) {
  console.log(`browser: ${passed} passed, ${failed} failed`);
  cleanup();
  process.exit(code);
}

// Synchronous so it also works from the 'exit' handler and the timeout: a
// stray server would keep the port and the SQLite file busy for the next run.
function cleanup() {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = null;
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { console.error(`interrupted (${sig})`); summaryAndExit(1); });

// Port 0 lets the kernel pick a free port; the tiny race until the server
// binds it is acceptable on a single-user test machine.
async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

async function startServer(logFile) {
  if (!fs.existsSync(BIN)) throw new Error(`cosinum binary not found at ${BIN} (build it with \`cargo build -p cosinum\` or set COSINUM_BIN)`);
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cosinum-browser-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const log = fs.openSync(logFile, 'w');
  server = spawn(BIN, ['serve', '--demo', '--listen', `127.0.0.1:${port}`,
    '--database-url', `sqlite://${path.join(tmpDir, 'demo.db')}`], { cwd: ROOT, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new Error(`server exited early (${server.exitCode ?? server.signalCode}); see ${logFile}:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${base}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200 && (await res.json()).status === 'ok') return base;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server not healthy after 60 s; see ${logFile}:\n${tail(logFile)}`);
}

const tail = (file) => { try { return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-20).join('\n'); } catch { return ''; } };

function slug(pathAndQuery) {
  const s = pathAndQuery.replace(/^\/+|\/+$/g, '').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return (s || 'accueil').slice(0, 120);
}

// The same-origin path+query to crawl, or null for links out of scope.
function crawlTarget(href, pageUrl, base) {
  if (!href || href.startsWith('#') || /^(mailto|tel|javascript):/i.test(href) || href.includes('deconnexion')) return null;
  let url;
  try { url = new URL(href, pageUrl); } catch { return null; }
  if (url.origin !== base || /^\/(static|api)\//.test(url.pathname)) return null;
  return url.pathname + url.search;
}

// Collects problems reported by the browser while a page is current. Events
// are routed to whichever page record is active, hence the mutable holder.
function watchContext(context, current) {
  context.on('console', (msg) => {
    if (msg.type() !== 'error' || !current.rec) return;
    // Chromium echoes every 4xx as a console error: the document's is judged
    // by its status, a subresource's by the response handler, so skip them.
    // Its implicit /favicon.ico probe comes late, from whichever page had no
    // <link rel=icon> (e.g. a text/plain answer), so it can't be attributed.
    const where = msg.location().url;
    if (/Failed to load resource/.test(msg.text()) && (where === current.rec.docUrl
      || current.rec.failedUrls.has(where) || where.endsWith('/favicon.ico'))) return;
    current.rec.problems.push(`console error: ${msg.text().slice(0, 300)} (${where || 'inline'})`);
  });
  context.on('weberror', (err) => current.rec?.problems.push(`page error: ${err.error().message}`));
  context.on('requestfailed', (req) => {
    // ERR_ABORTED is a cancellation (ours, by navigating on), not a server fault.
    if (!current.rec || req.url() === current.rec.docUrl || req.failure()?.errorText === 'net::ERR_ABORTED') return;
    current.rec.problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
  });
  context.on('response', (res) => {
    const type = res.request().resourceType();
    if (current.rec && CHECKED_SUBRESOURCES.has(type) && res.status() >= 400) {
      current.rec.failedUrls.add(res.url());
      current.rec.problems.push(`${type} ${res.url()} answered ${res.status()}`);
    }
  });
}

async function runAxe(page) {
  const result = await page.evaluate((tags) => window.__loadAxe() || window.axe.run(document, { runOnly: { type: 'tag', values: tags } }), AXE_TAGS);
  return result.violations.map((v) => `axe ${v.id} [${v.impact}] ${v.help} @ ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
}

async function newContext(current) {
  const context = await browser.newContext({ locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
  // page.addScriptTag would be refused by the application's CSP, and
  // bypassCSP would hide the application's own CSP violations. An init script
  // is installed by DevTools, out of CSP's reach; it only defines a loader, as
  // axe cannot be evaluated before the document exists.
  await context.addInitScript({ content: `window.__loadAxe = function () { if (!window.axe) { ${AXE_SOURCE}\n } };` });
  watchContext(context, current);
  context.setDefaultNavigationTimeout(30_000);
  return context;
}

async function signIn(page, base, email) {
  await page.goto(`${base}/connexion`);
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  // Scope to the form holding the password: the layout may have other forms
  // (search, sign-out) with their own submit buttons.
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/connexion'), { timeout: 15_000 }),
    page.locator('form:has(#password) button[type=submit]').first().click(),
  ]);
  const signOut = page.locator('a:has-text("Se déconnecter"), button:has-text("Se déconnecter"), input[type=submit][value*="Se déconnecter"]');
  if ((await signOut.count()) === 0) throw new Error(`landed on ${new URL(page.url()).pathname} without a "Se déconnecter" control`);
}

async function checkPage(page, base, role, target, linkedFrom, current, seenFinal) {
  const rec = { docUrl: base + target, problems: [], failedUrls: new Set() };
  current.rec = rec;
  let res;
  try {
    res = await page.goto(base + target, { waitUntil: 'load' });
  } catch (err) {
    current.rec = null;
    // Exports (CSV…) are served as attachments: nothing to render or audit.
    const problems = /Download is starting/.test(err.message) ? [] : [`navigation failed: ${err.message.split('\n')[0]}`];
    return { problems, links: [], pageUrl: base + target };
  }
  const status = res ? res.status() : 0;
  const finalUrl = new URL(page.url());
  const finalTarget = finalUrl.pathname + finalUrl.search;
  rec.docUrl = page.url();
  const from = linkedFrom ? ` (linked from ${linkedFrom})` : '';
  if (status >= 500) rec.problems.push(`HTTP ${status}${from}`);
  else if (status === 404) rec.problems.push(`broken link: HTTP 404${from}`);
  else if (status === 403) {
    // A 403 is a legitimate answer for a role, but must still be a real page
    // that tells the user where they are and what happened.
    const proper = await page.evaluate(() => !!document.title.trim() && !!document.querySelector('main h1'));
    if (!proper) rec.problems.push(`HTTP 403 without a proper error page (title + main h1)${from}`);
  } else if (status >= 400 || status === 0) rec.problems.push(`HTTP ${status}${from}`);

  const contentType = res?.headers()['content-type'] || '';
  const isHtml = contentType.includes('text/html');
  // Redirects (e.g. to /connexion) converge on few pages: audit each once.
  const alreadyAudited = finalTarget !== target && seenFinal.has(finalTarget);
  seenFinal.add(finalTarget);
  let links = [];
  if (isHtml && !alreadyAudited) {
    rec.problems.push(...(await runAxe(page).catch((err) => [`axe failed: ${err.message.split('\n')[0]}`])));
    await page.screenshot({ path: path.join(SHOTS, `${role}-${slug(target)}.png`), fullPage: true })
      .catch((err) => rec.problems.push(`screenshot failed: ${err.message.split('\n')[0]}`));
  }
  if (isHtml) links = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));
  current.rec = null;
  return { problems: rec.problems, links, pageUrl: page.url() };
}

async function crawlRole(base, { role, email }) {
  const current = { rec: null };
  const context = await newContext(current);
  const page = await context.newPage();
  let checked = 0;
  try {
    if (email) {
      const rec = { docUrl: `${base}/connexion`, problems: [], failedUrls: new Set() };
      current.rec = rec;
      try { await signIn(page, base, email); } catch (err) { rec.problems.push(`sign-in failed: ${err.message.split('\n')[0]}`); }
      current.rec = null;
      if (rec.problems.length) {
        report(false, role, '/connexion', rec.problems);
        await context.close();
        return { checked, context: null };
      }
    }
    const queue = [{ target: '/', from: null }];
    const seen = new Set(['/']);
    const seenFinal = new Set();
    // Pages of one template differ only by their ids: a few of each are
    // enough, and the budget then reaches every template of the site.
    const perPattern = new Map();
    const pattern = (t) => t.split('?')[0].replace(/\d+/g, 'N');
    while (queue.length && checked < MAX_PAGES) {
      const { target, from } = queue.shift();
      const { problems, links, pageUrl } = await checkPage(page, base, role, target, from, current, seenFinal);
      checked++;
      report(problems.length === 0, role, target, problems);
      for (const href of links) {
        const next = crawlTarget(href, pageUrl, base);
        if (!next || seen.has(next)) continue;
        seen.add(next);
        const n = perPattern.get(pattern(next)) || 0;
        if (n >= MAX_PER_PATTERN) continue;
        perPattern.set(pattern(next), n + 1);
        queue.push({ target: next, from: target });
      }
    }
    return { checked, context };
  } finally {
    await page.close().catch(() => {});
  }
}

// Keyboard users must reach the DSFR skip links first (RGAA 12.7).
async function checkSkipLink(base, context, role) {
  const page = await context.newPage();
  try {
    await page.goto(`${base}/`);
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return { ok: false, what: 'nothing focused' };
      const ok = !!el.closest('.fr-skiplinks') || /Contenu/.test(el.textContent || '');
      return { ok, what: `${el.tagName.toLowerCase()} "${(el.textContent || '').trim().slice(0, 40)}"` };
    });
    report(focused.ok, role, '/ [skip link]', [`first Tab focused ${focused.what}, not a skip link`]);
  } catch (err) {
    report(false, role, '/ [skip link]', [err.message.split('\n')[0]]);
  } finally {
    await page.close().catch(() => {});
  }
}

async function main() {
  const timer = setTimeout(() => { console.error(`global timeout (${GLOBAL_TIMEOUT_MS / 60000} min) reached`); failed++; summaryAndExit(1); }, GLOBAL_TIMEOUT_MS);
  timer.unref();
  fs.rmSync(SHOTS, { recursive: true, force: true }); // stale shots would mislead
  fs.mkdirSync(SHOTS, { recursive: true });
  if (!fs.existsSync(AXE)) throw new Error(`${AXE} missing: run \`npm ci --ignore-scripts\``);
  AXE_SOURCE = fs.readFileSync(AXE, 'utf8');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  const logFile = path.join(ARTIFACTS, 'server.log');
  const base = await startServer(logFile);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const tooFew = [];
  let skipLinkDone = false;
  for (const r of ROLES) {
    const { checked, context } = await crawlRole(base, r);
    if (r.email && checked < MIN_PAGES_SIGNED_IN) tooFew.push(`${r.role} (${checked})`);
    if (r.email && context && !skipLinkDone) { await checkSkipLink(base, context, r.role); skipLinkDone = true; }
    await context?.close();
  }
  if (!skipLinkDone) report(false, 'signed-in', '/ [skip link]', ['no role could sign in']);
  await browser.close();
  if (tooFew.length) console.log(`too few pages checked for: ${tooFew.join(', ')} (need ${MIN_PAGES_SIGNED_IN} each)`);
  if (failed > 0) console.log(`server log: ${logFile}`);
  summaryAndExit(failed === 0 && tooFew.length === 0 ? 0 : 1);
}

main().catch((err) => {
  console.error(`browser test aborted: ${err.stack || err}`);
  failed++;
  summaryAndExit(1);
});
