"""The benchmark suite of issue #11, run by scripts/bench: cosinum side by
side with what a user would pick instead, on the same data and machine, in
the same run. Writes BENCHMARKS.md (or --out).

Every figure is repeated (--repeat) and reported as the median with its
spread (min-max). --smoke runs everything at N=1 for seconds, to keep the
suite working (CI); its figures mean nothing.
"""

import argparse
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

STEERING = "pilotage@demo.cosinum.fr"
PASSWORD = "demo-cosinum-2026"
AS_OF = "2026-06-30"
DATES = [
    "2017-01-01", "2017-06-30", "2017-12-31", "2018-03-17", "2018-06-30",
    "2018-12-31", "2019-06-30", "2019-09-05", "2019-12-31", "2020-06-30",
    "2020-11-11", "2021-06-30", "2021-12-31", "2022-06-30", "2023-02-28",
    "2023-12-31", "2024-06-30", "2024-12-31", "2025-07-14", "2026-11-01",
]
DASHBOARDS = ["/projets", "/demarches", "/financements", "/hebergement", "/talents"]


def log(*args):
    print("[bench]", *args, file=sys.stderr, flush=True)


def spread(values, fmt="{:.1f}"):
    """Median (min-max) of repeated measures."""
    if not values:
        return "—"
    med = statistics.median(values)
    if len(values) == 1:
        return fmt.format(med) + " (1 run)"
    return f"{fmt.format(med)} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def ratio(ours, theirs):
    return f"{ours / theirs:.2f}×" if theirs else "—"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_http(url, proc, timeout=600):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}) before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


class Bench:
    def __init__(self, args):
        self.args = args
        self.bin = Path(args.bin_dir)
        self.work = Path(args.work)
        self.work.mkdir(parents=True, exist_ok=True)
        self.sections = []
        self.first_loads = []
        self.started = time.time()
        self.profile = self.bin.name

    # ------------------------------------------------------------ helpers
    def cosinum(self, db, *argv, capture=True):
        env = dict(os.environ, COSINUM_DATABASE_URL=f"sqlite://{db}", RUST_LOG="warn")
        return subprocess.run([str(self.bin / "cosinum"), *argv], env=env, check=True,
                              capture_output=capture, text=True)

    def dataset(self, n):
        """The SQLite database of `cosinum demo --scale n`, generated once."""
        db = self.work / f"scale-{n}-seed{self.args.seed}.db"
        if not db.exists():
            log(f"generating N={n}")
            t0 = time.monotonic()
            tmp = db.with_suffix(".tmp.db")
            for f in self.work.glob(tmp.name + "*"):
                f.unlink()
            self.cosinum(tmp, "demo", "--scale", str(n), "--seed", str(self.args.seed), capture=False)
            con = sqlite3.connect(tmp)
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            con.close()
            for suffix in ("-wal", "-shm"):
                Path(str(tmp) + suffix).unlink(missing_ok=True)
            tmp.rename(db)
            (self.work / f"scale-{n}.seconds").write_text(f"{time.monotonic() - t0:.1f}")
        return db

    def start(self, db):
        port = free_port()
        env = dict(os.environ, COSINUM_DATABASE_URL=f"sqlite://{db}", RUST_LOG="warn")
        t0 = time.monotonic()
        proc = subprocess.Popen([str(self.bin / "cosinum"), "serve", "--listen", f"127.0.0.1:{port}"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/api/v1/health", proc)
        return proc, base, time.monotonic() - t0

    def token(self, db):
        out = self.cosinum(db, "token", "create", "--email", STEERING, "--name", f"bench-{time.time_ns()}")
        return out.stdout.strip().splitlines()[-1].strip()

    def wrk(self, url, headers=(), conns=None, seconds=None):
        conns = conns or self.args.connections
        seconds = seconds or self.args.seconds
        cmd = ["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", "--timeout", "30s"]
        for h in headers:
            cmd += ["-H", h]
        out = subprocess.run(cmd + [url], check=True, capture_output=True, text=True).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        if re.search(r"^\s+0 requests in", out, re.M):
            if self.args.smoke:
                # A loaded CI machine and a debug build: nothing to judge.
                return {"rps": 0.0, "p50": float("nan"), "p99": float("nan")}
            raise RuntimeError(f"{url}: no request completed in {seconds} s\n{out}")

        def pct(p):
            m = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
            value, unit = float(m.group(1)), m.group(2)
            return value * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]

        non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
        if non2xx:
            raise RuntimeError(f"{url}: {non2xx.group(1)} error responses\n{out}")
        return {"rps": rps, "p50": pct(50), "p99": pct(99)}

    def login_cookie(self, base):
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        html = opener.open(base + "/connexion").read().decode()
        csrf = re.search(r'name="csrf_token" value="([^"]*)"', html).group(1)
        form = urllib.parse.urlencode({"email": STEERING, "password": PASSWORD, "csrf_token": csrf}).encode()
        opener.open(base + "/connexion", data=form).read()
        cookies = "; ".join(f"{c.name}={c.value}" for c in jar)
        if "session" not in cookies:
            raise RuntimeError("sign-in failed: no session cookie")
        return cookies

    def warm(self, url, headers=()):
        """A first pass to fill caches; slow pages may complete nothing."""
        try:
            self.wrk(url, headers, conns=2, seconds=2)
        except RuntimeError:
            pass

    def repeat(self, fn):
        return [fn() for _ in range(self.args.repeat)]

    def section(self, title, body):
        self.sections.append(f"## {title}\n\n{body.strip()}\n")
        self.write()

    # ------------------------------------------------------------ 1. read API
    def read_api(self):
        n = self.args.api_scale
        db = self.dataset(n)
        token = self.token(db)
        minint = "MININT"
        proc, base, _ = self.start(db)
        ds_port = free_port()
        ds_meta = self.work / "datasette.json"
        ds_meta.write_text(json.dumps(datasette_metadata(db.stem)))
        ds = subprocess.Popen([sys.executable, "-m", "datasette", "serve", str(db), "--port", str(ds_port),
                               "--metadata", str(ds_meta), "--setting", "sql_time_limit_ms", "60000",
                               "--setting", "max_returned_rows", "100000"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ds_base = f"http://127.0.0.1:{ds_port}"
        try:
            wait_http(ds_base + "/-/versions.json", ds)
            ours = {
                "Projects of a ministry": f"{base}/api/v1/projects?ministry={minint}&as_of={AS_OF}",
                "Portfolio edition": f"{base}/api/v1/projects/portfolio?as_of={AS_OF}",
                "Démarches summary": f"{base}/api/v1/demarches/summary",
            }
            theirs = {
                "Projects of a ministry": f"{ds_base}/{db.stem}/projects_of_ministry.json?_shape=array&code={minint}&as_of={AS_OF}",
                "Portfolio edition": f"{ds_base}/{db.stem}/portfolio_edition.json?_shape=array&as_of={AS_OF}",
                "Démarches summary": f"{ds_base}/{db.stem}/demarches_summary.json?_shape=array",
            }
            auth = [f"Authorization: Bearer {token}"]
            rows = []
            for name in ours:
                # Warm both (caches, prepared statements) before measuring.
                self.warm(ours[name], auth)
                self.warm(theirs[name])
                a, b = [], []
                for _ in range(self.args.repeat):
                    a.append(self.wrk(ours[name], auth))
                    b.append(self.wrk(theirs[name]))
                med = lambda runs, k: statistics.median(r[k] for r in runs)
                rows.append(
                    f"| {name} | {spread([r['rps'] for r in a], '{:.0f}')} | {spread([r['rps'] for r in b], '{:.0f}')} "
                    f"| **{ratio(med(a, 'rps'), med(b, 'rps'))}** "
                    f"| {spread([r['p50'] for r in a], '{:.2f}')} / {spread([r['p99'] for r in a], '{:.2f}')} "
                    f"| {spread([r['p50'] for r in b], '{:.2f}')} / {spread([r['p99'] for r in b], '{:.2f}')} |")
        finally:
            ds.terminate()
            proc.terminate()
            proc.wait()
            ds.wait()
        body = f"""
Dataset N={n} (`cosinum demo --scale {n} --seed {self.args.seed}`), SQLite. cosinum ({self.profile} build)
serves its JSON API; Datasette {module_version('datasette')} serves the same database file with
canned queries doing the equivalent work in SQL (`scripts/bench-lib/datasette_queries.py`). Same
load generator (`wrk -t2 -c{self.args.connections} -d{self.args.seconds}s`), same machine, one
after the other, {self.args.repeat} runs each after a 1 s warm-up. Requests/s and latency (ms):
median (min–max) over the runs.

| endpoint | cosinum req/s | Datasette req/s | ratio | cosinum p50 / p99 ms | Datasette p50 / p99 ms |
|---|---:|---:|---:|---:|---:|
""" + "\n".join(rows)
        self.section("1. Read API: cosinum vs Datasette", body)

    # ------------------------------------------------------------ 2. pages
    def pages(self):
        rows = []
        for n in self.args.page_scales:
            db = self.dataset(n)
            proc, base, _ = self.start(db)
            try:
                cookie = self.login_cookie(base)
                # The search index builds in the background after start-up:
                # measured pages should not share the cores with it.
                time.sleep(self.args.index_wait)
                for path in DASHBOARDS:
                    url = base + path
                    # One complete first load (it fills the caches; at N=100
                    # the démarches' may take many seconds), then a short warm-up.
                    t0 = time.monotonic()
                    urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie}), timeout=1800).read()
                    self.first_loads.append((path, n, time.monotonic() - t0))
                    self.warm(url, [f"Cookie: {cookie}"])
                    runs = [self.wrk(url, [f"Cookie: {cookie}"], conns=4) for _ in range(self.args.repeat)]
                    rows.append(f"| {path} | {n} | {spread([r['p50'] for r in runs], '{:.2f}')} "
                                f"| {spread([r['p99'] for r in runs], '{:.2f}')} | {spread([r['rps'] for r in runs], '{:.0f}')} |")
            finally:
                proc.terminate()
                proc.wait()
        body = f"""
The main dashboards, signed in as the DINUM (who sees everything), `wrk -t2 -c4
-d{self.args.seconds}s`, {self.args.repeat} runs after a warm-up. Target: p99 < 50 ms at N=100.

| page | N | p50 ms | p99 ms | req/s |
|---|---:|---:|---:|---:|
""" + "\n".join(rows) + """

First load after start-up (caches empty; they fill again after a write to what they are
computed from), seconds:

| page | N | first load s |
|---|---:|---:|
""" + "\n".join(f"| {p} | {n} | {t:.2f} |" for p, n, t in self.first_loads)
        self.section("2. Page latency as data grows", body)

    # ------------------------------------------------------------ 3. import
    def import_csv(self):
        rows_n = self.args.import_rows
        csv_path = self.work / f"panorama-{rows_n}.csv"
        if not csv_path.exists():
            write_panorama_csv(csv_path, rows_n)
        ours, theirs = [], []
        for _ in range(self.args.import_repeat):
            db = self.work / "import.db"
            for f in self.work.glob("import.db*"):
                f.unlink()
            self.cosinum(db, "migrate")
            t0 = time.monotonic()
            self.cosinum(db, "import", "panorama", str(csv_path))
            ours.append(rows_n / (time.monotonic() - t0))
            plain = self.work / "plain.db"
            plain.unlink(missing_ok=True)
            t0 = time.monotonic()
            subprocess.run(["sqlite3", str(plain), ".import --csv " + str(csv_path) + " panorama"], check=True)
            theirs.append(rows_n / (time.monotonic() - t0))
            count = sqlite3.connect(plain).execute("SELECT COUNT(*) FROM panorama").fetchone()[0]
            imported = sqlite3.connect(db).execute("SELECT COUNT(*) FROM projects").fetchone()[0]
            if count != rows_n or imported != rows_n:
                raise RuntimeError(f"rows: sqlite3 {count}, cosinum {imported}, file {rows_n}")
        med_o, med_t = statistics.median(ours), statistics.median(theirs)
        body = f"""
One Panorama-layout CSV of {rows_n:,} projects (15 columns, one edition; generated by
`scripts/bench-lib/bench.py`), {self.args.import_repeat} run(s). cosinum: `cosinum import panorama FILE` into
an empty migrated SQLite database — every cell checked, organisations created, one project, its
reconstituted baseline, its review and their audit lines per row, one transaction. sqlite3
{sqlite3.sqlite_version} (Python's build; the `sqlite3` CLI is Debian's): `.import --csv` into a plain table
with no constraint, which checks nothing (the practical upper bound). Both counted afterwards.

| | rows/s | ratio to sqlite3 | target |
|---|---:|---:|---|
| cosinum import | {spread(ours, '{:,.0f}')} | **{med_o / med_t:.1%}** | ≥ 50 % |
| sqlite3 .import | {spread(theirs, '{:,.0f}')} | 100 % | |
"""
        self.section("3. Import", body)

    # ------------------------------------------------------------ 4. aggregates
    def aggregates(self):
        import portfolio_duckdb
        n = self.args.agg_scale
        db = self.dataset(n)
        out = subprocess.run([str(self.bin / "cosinum-bench"), "aggregates", "--database-url", f"sqlite://{db}",
                              "--dates", ",".join(DATES), "--repeat", str(self.args.repeat)],
                             check=True, capture_output=True, text=True).stdout
        runs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        ours = [r["total_ms"] for r in runs]
        counts = runs[0]["projects"]
        sql = (HERE / "portfolio_sqlite.sql").read_text()
        dates_sql = (HERE / "bench_dates.sql").read_text()

        def hand_written():
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            t0 = time.monotonic()
            con.executescript(dates_sql)
            result = con.execute(sql).fetchall()
            elapsed = (time.monotonic() - t0) * 1e3
            con.close()
            return elapsed, result

        sqlite_runs = [hand_written() for _ in range(self.args.repeat)]
        whole = {r[0]: r[2] for r in sqlite_runs[0][1] if r[1] is None}
        if [whole.get(d, 0) for d in DATES] != counts:
            raise RuntimeError(f"SQL and cosinum disagree: {whole} vs {counts}")
        csv_dir = self.work / f"csv-{n}"
        if csv_dir.exists():
            shutil.rmtree(csv_dir)
        subprocess.run(["bash", str(HERE / "export_csv.sh"), str(db), str(csv_dir)], check=True,
                       capture_output=True)
        duck = []
        for _ in range(self.args.repeat):
            timings = {}
            t0 = time.monotonic()
            rows = portfolio_duckdb.run(str(csv_dir), DATES, timings)
            duck.append((time.monotonic() - t0) * 1e3)
        duck_whole = {str(r[0]): r[2] for r in rows if r[1] is None}
        if [duck_whole.get(d, 0) for d in DATES] != counts:
            raise RuntimeError(f"DuckDB and cosinum disagree: {duck_whole} vs {counts}")
        sq = [t for t, _ in sqlite_runs]
        load = [r["load_ms"] for r in runs]
        comp = [r["compute_ms"] for r in runs]
        body = f"""
The portfolio edition as of 20 dates (2017–2026) over N={n} ({max(counts):,} projects in the
largest edition), default method. Every engine computes, per date, the whole portfolio's 11
figures and the same figures per ministry; cosinum also computes its breakdowns by phase, size and
functional zone and the changes since the previous edition, as its API does. The SQL and DuckDB
results were checked against cosinum's figure by figure by `scripts/bench-lib/check_portfolio.py`
(on the demo, an edge-case fixture and N=3, N=100: 0 mismatches); this run checks the counts
of projects at every date. {self.args.repeat} runs; milliseconds, median (min–max).

| engine | total ms | ratio to hand-written SQL |
|---|---:|---:|
| cosinum (read the database + 20 editions) | {spread(ours)} | **{ratio(statistics.median(ours), statistics.median(sq))}** |
| — of which reading projects, reviews, baselines | {spread(load)} | |
| — of which computing the 20 editions | {spread(comp)} | |
| hand-written SQLite query (`portfolio_sqlite.sql`, Python's sqlite3 {sqlite3.sqlite_version}) | {spread(sq)} | 1.00× |
| DuckDB {module_version('duckdb')} on the CSV export (load + query) | {spread(duck)} | {ratio(statistics.median(duck), statistics.median(sq))} |
"""
        self.section("4. Aggregates: portfolio editions at 20 dates", body)

    # ------------------------------------------------------------ 5. search
    def search(self):
        out = subprocess.run([str(self.bin / "cosinum-bench"), "search-latency", "--docs", str(self.args.search_docs),
                              "--queries", str(self.args.search_queries), "--seed", str(self.args.seed)],
                             check=True, capture_output=True, text=True).stdout
        body = f"""
`cosinum-bench search-latency --docs {self.args.search_docs} --queries {self.args.search_queries}`: the reuse
finder (tantivy, French analysis) against SQLite FTS5 on the same synthetic corpus; details and the
quality comparison in `docs/benchmarks/search.md`.

{out}
"""
        self.section("5. Search", body)

    # ------------------------------------------------------------ 6. reports
    def reports(self):
        db = self.dataset(self.args.pack_scale)
        token = self.token(db)
        proc, base, _ = self.start(db)
        try:
            auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            session = api(base, "POST", "/api/v1/committee/sessions", auth, {
                "title": f"Séance de mesure {time.time_ns()}", "held_on": "2027-01-15", "cut_off": "2027-01-01",
                "format": "in_person", "place": "Hôtel de Matignon"})
            topics = ["projects", "demarches", "funding", "cloud", "talent", "reuse", "follow_up"]
            for i in range(20):
                api(base, "POST", f"/api/v1/committee/sessions/{session['id']}/points", auth, {
                    "title": f"Point n° {i + 1}", "topic": topics[i % len(topics)], "presenter": "DINUM",
                    "duration_minutes": 5, "on_agenda": True})
            times, size = [], 0
            for _ in range(self.args.repeat):
                t0 = time.monotonic()
                req = urllib.request.Request(f"{base}/api/v1/committee/sessions/{session['id']}/pack.pdf", headers=auth)
                with urllib.request.urlopen(req, timeout=600) as r:
                    pdf = r.read()
                times.append(time.monotonic() - t0)
                size = len(pdf)
            pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
        finally:
            proc.terminate()
            proc.wait()
        body = f"""
A session of 20 agenda points (all seven topics) on N={self.args.pack_scale}: its pack (agenda, attendance,
one briefing sheet per point computed from the modules' data, charts) as one A4 PDF through
`GET /api/v1/committee/sessions/{{id}}/pack.pdf` (typst, in process). {self.args.repeat} runs.

| | seconds | PDF |
|---|---:|---|
| 20-point committee pack | {spread(times, '{:.2f}')} | {pages} pages, {size / 1024:,.0f} KiB |

No alternative is measured: today the pack is assembled by hand from spreadsheets.
"""
        self.section("6. Reports", body)

    # ------------------------------------------------------------ 7. footprint
    def footprint(self):
        rows = []
        for n in self.args.footprint_scales:
            db = self.dataset(n)
            token = self.token(db)
            starts, mem = [], None
            for i in range(self.args.repeat):
                proc, base, took = self.start(db)
                starts.append(took)
                if i == 0:
                    cookie = self.login_cookie(base)
                    for path in ["/api/v1/projects/portfolio", f"/api/v1/projects?ministry=MININT",
                                 "/api/v1/demarches/summary", "/api/v1/search?q=gestion%20des%20agents"]:
                        urllib.request.urlopen(urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"}),
                                               timeout=600).read()
                    for path in DASHBOARDS + ["/recherche?q=portail"]:
                        urllib.request.urlopen(urllib.request.Request(base + path, headers={"Cookie": cookie}),
                                               timeout=600).read()
                    time.sleep(self.args.index_wait)
                    mem = memory_mib(proc.pid)
                proc.terminate()
                proc.wait()
            rows.append(f"| N={n} ({db.stat().st_size / 2**20:,.0f} MiB database) | {spread(starts, '{:.2f}')} "
                        f"| {mem['peak']:,.0f} | {mem['anon']:,.0f} + {mem['file']:,.0f} |")
        binary = (self.bin / "cosinum").stat().st_size / 2**20
        gen = {n: (self.work / f"scale-{n}.seconds").read_text() for n in self.args.footprint_scales
               if (self.work / f"scale-{n}.seconds").exists()}
        body = f"""
The server started on each dataset (SQLite), time until `/api/v1/health` answers ({self.args.repeat} starts);
then, on the first start, one request to each JSON endpoint, dashboard and the search, and
{self.args.index_wait} s for the background search index: peak resident memory (VmHWM), and the resident set
then, anonymous memory (the heap) + mapped files (the binary, the search index). Target: < 200 MiB at N=1000.

| dataset | start-up s | peak RSS MiB | RSS at the end, anon + file MiB |
|---|---:|---:|---:|
""" + "\n".join(rows) + f"""

Binary `target/{self.profile}/cosinum`: {binary:.1f} MiB. Dataset generation (`cosinum demo --scale N`,
{self.profile} build, SQLite, this run or an earlier one kept in the work directory): """ + ", ".join(
            f"N={n}: {s} s" for n, s in gen.items()) + "."
        self.section("7. Footprint", body)

    # ------------------------------------------------------------ output
    def write(self):
        head = f"""# Benchmarks

Generated by `scripts/bench{' --smoke' if self.args.smoke else ''}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(self.started))}
(commit {git_commit()}). Every alternative runs in the same run, on the same data and machine.
{'**Smoke run: N=1 and seconds, to keep the suite working; the figures mean nothing.**' if self.args.smoke else ''}

Machine: {machine()}.
"""
        Path(self.args.out).write_text(head + "\n" + "\n".join(self.sections) + "\n" + (self.args.notes or ""))


def api(base, method, path, headers, body):
    req = urllib.request.Request(base + path, method=method, headers=headers, data=json.dumps(body).encode())
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read() or b"null")


def memory_mib(pid):
    """Peak resident set (VmHWM), and the resident set now split into anonymous
    memory (the heap) and mapped files (the binary, the search index's segments)."""
    status = Path(f"/proc/{pid}/status").read_text()
    mib = lambda key: int(re.search(key + r":\s+(\d+) kB", status).group(1)) / 1024
    return {"peak": mib("VmHWM"), "anon": mib("RssAnon"), "file": mib("RssFile")}


def module_version(name):
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:
        return "?"


def git_commit():
    try:
        c = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "crates", "scripts"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return c + (", with uncommitted changes" if dirty else "")
    except OSError:
        return "unknown"


def machine():
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 2**20
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    wrk_v = (wrk.stdout + wrk.stderr).split("\n")[0].strip()
    return (f"{os.cpu_count()} × {cpu}, {mem:.0f} GiB RAM, Linux {platform.release()}, {rustc}, "
            f"Python {platform.python_version()}, {wrk_v}")


def write_panorama_csv(path, rows):
    """A Panorama-layout file of `rows` distinct projects, deterministic."""
    import csv
    ministries = [("MININT", "Ministère de l'Intérieur"), ("MEF", "Ministère de l'Économie et des Finances"),
                  ("MINARM", "Ministère des Armées"), ("MJ", "Ministère de la Justice"),
                  ("MTSS", "Ministère du Travail et des Solidarités"), ("MENJ", "Ministère de l'Éducation nationale"),
                  ("MTE", "Ministère de la Transition écologique"), ("MASA", "Ministère de l'Agriculture")]
    phases = ["Cadrage", "Conception", "Réalisation", "Déploiement", "Expérimentation"]
    zones = ["Gestion des ressources humaines", "Finances publiques", "Sécurité intérieure", "Justice",
             "Santé et solidarités", "Éducation et recherche"]
    header = ["Ministère porteur", "Ministère nom complet", "Nom du projet", "Projet interministériel",
              "Description et objectifs du projet", "En savoir plus sur le projet", "Début",
              "Durée prévisionnelle en année", "Phase du projet en cours", "Coût estimé",
              "Coût estimé par tranche", "Zone fonctionnelle", "Financement [programme(s)]",
              "Lien vers les Projets Annuels de Performances", "Date de publication"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for i in range(rows):
            code, name = ministries[i % len(ministries)]
            cost = 9 + (i * 7919) % 400
            band = "entre 20 et 100 M€" if 20 <= cost < 100 else ("plus de 100 M€" if cost >= 100 else "entre 9 et 20 M€")
            w.writerow([code, name, f"Projet de mesure n° {i:07d}", "Non" if i % 9 else "Oui",
                        f"Refonte du système d'information n° {i} : dématérialisation, interopérabilité, hébergement.",
                        "", f"{2015 + i % 8}-{1 + i % 12:02d}-01", f"{2 + (i % 50) / 10:.1f}", phases[i % len(phases)],
                        f"{cost}.0", band, zones[i % len(zones)], "", "", "2021-06-30"])


def datasette_metadata(db_name):
    from datasette_queries import QUERIES
    return {"databases": {db_name: {"queries": QUERIES}}}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--bin-dir", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--only", default="", help="comma-separated sections: api,pages,import,aggregates,search,reports,footprint")
    p.add_argument("--notes", default="", help="a Markdown file appended at the end")
    a = p.parse_args()
    a.notes = Path(a.notes).read_text() if a.notes else ""
    if a.smoke:
        a.repeat, a.seconds, a.connections = 1, 3, 8
        a.api_scale, a.page_scales, a.agg_scale, a.pack_scale = 1, [1], 1, 1
        a.footprint_scales, a.import_rows, a.import_repeat = [1], 2000, 1
        a.search_docs, a.search_queries, a.index_wait = 2000, 20, 1
    else:
        a.repeat, a.seconds, a.connections = 3, 10, 64
        a.api_scale, a.page_scales, a.agg_scale, a.pack_scale = 10, [1, 10, 100], 1000, 10
        a.footprint_scales, a.import_rows, a.import_repeat = [1, 1000], 1_000_000, 1
        a.search_docs, a.search_queries, a.index_wait = 100_000, 1000, 30
    for key in ["repeat", "seconds", "connections", "api_scale", "agg_scale", "pack_scale", "import_rows",
                "search_docs", "index_wait"]:
        env = os.environ.get("BENCH_" + key.upper())
        if env:
            setattr(a, key, int(env))
    for key in ["page_scales", "footprint_scales"]:
        env = os.environ.get("BENCH_" + key.upper())
        if env:
            setattr(a, key, [int(x) for x in env.split(",")])
    b = Bench(a)
    wanted = [s for s in a.only.split(",") if s] or ["api", "pages", "import", "aggregates", "search", "reports", "footprint"]
    steps = {"api": b.read_api, "pages": b.pages, "import": b.import_csv, "aggregates": b.aggregates,
             "search": b.search, "reports": b.reports, "footprint": b.footprint}
    for name in wanted:
        log(f"{name}…")
        t0 = time.monotonic()
        steps[name]()
        log(f"{name} done in {time.monotonic() - t0:.0f} s")
    log(f"wrote {a.out}")


if __name__ == "__main__":
    main()
