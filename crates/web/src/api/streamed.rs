//! Large JSON answers written to the client as they are serialised, a few
//! dozen kilobytes at a time (issue #11). `axum::Json` serialises the whole
//! answer into one buffer first: at a thousand States' worth of data the
//! démarches summary is 67 MB of JSON, and that buffer (grown by doubling)
//! came on top of the figures it was made from — +190 MiB resident for one
//! request.

use std::io::{self, Write};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tokio::sync::mpsc;

use crate::error::AppError;

/// Bytes handed to the connection at a time.
const CHUNK: usize = 64 * 1024;
/// Chunks waiting for the client at most: what a slow reader makes us hold.
const WAITING: usize = 4;

/// A JSON answer serialised while it is sent (chunked transfer encoding):
/// at most a few chunks are in memory at once, whatever its size.
pub struct StreamedJson<T>(pub Arc<T>);

impl<T> StreamedJson<T> {
    pub fn new(value: T) -> Self {
        StreamedJson(Arc::new(value))
    }
}

impl<T: Serialize + Send + Sync + 'static> IntoResponse for StreamedJson<T> {
    fn into_response(self) -> Response {
        let (tx, mut rx) = mpsc::channel::<io::Result<Bytes>>(WAITING);
        let value = self.0;
        tokio::task::spawn_blocking(move || {
            let mut out = ChunkWriter::new(tx.clone());
            let written = serde_json::to_writer(&mut out, &*value)
                .map_err(io::Error::other)
                .and_then(|()| out.flush());
            if let Err(e) = written {
                // The client went away (nothing to tell), or the value could
                // not be written: the body ends with an error, so the
                // connection is cut rather than a truncated answer accepted.
                if e.kind() != io::ErrorKind::BrokenPipe {
                    tracing::error!(error = %e, "JSON answer not written");
                    let _ = tx.blocking_send(Err(e));
                }
            }
        });
        let chunks = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
        json_body(Body::from_stream(chunks))
    }
}

/// A JSON array read and sent part by part (ranges of ids, say): only one
/// part's items are in memory at a time, however long the list. The first
/// part is read before the answer starts, so that its failure is an error
/// answer; a later part's failure cuts the connection (the status is sent
/// by then), so a client never takes a truncated list for a whole one.
/// Parts are read one after the other, not in one transaction: a write
/// landing meanwhile shows in the parts read after it, as between pages.
pub struct StreamedArray {
    rx: mpsc::Receiver<io::Result<Bytes>>,
}

impl StreamedArray {
    pub async fn new<P, T, F, Fut>(parts: Vec<P>, mut read: F) -> Result<Self, AppError>
    where
        P: Send + 'static,
        T: Serialize + Send + 'static,
        F: FnMut(P) -> Fut + Send + 'static,
        Fut: Future<Output = Result<Vec<T>, AppError>> + Send + 'static,
    {
        let mut parts = parts.into_iter();
        let first = match parts.next() {
            Some(p) => read(p).await?,
            None => Vec::new(),
        };
        let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(WAITING);
        tokio::spawn(async move {
            let mut out = ArrayWriter {
                buf: Vec::with_capacity(CHUNK),
                empty: true,
                tx,
            };
            out.buf.push(b'[');
            if out.items(first).await.is_err() {
                return;
            }
            for p in parts {
                let items = match read(p).await {
                    Ok(items) => items,
                    Err(e) => {
                        tracing::error!(error = %e, "list not read whole; answer cut");
                        let _ = out.tx.send(Err(io::Error::other(e.to_string()))).await;
                        return;
                    }
                };
                if out.items(items).await.is_err() {
                    return;
                }
            }
            out.buf.push(b']');
            let last = std::mem::take(&mut out.buf);
            let _ = out.tx.send(Ok(Bytes::from(last))).await;
        });
        Ok(StreamedArray { rx })
    }
}

impl IntoResponse for StreamedArray {
    fn into_response(self) -> Response {
        let mut rx = self.rx;
        let chunks = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
        json_body(Body::from_stream(chunks))
    }
}

/// The array's bytes so far, sent on by [`CHUNK`]s.
struct ArrayWriter {
    buf: Vec<u8>,
    empty: bool,
    tx: mpsc::Sender<io::Result<Bytes>>,
}

impl ArrayWriter {
    /// Writes `items`; an error when the client is gone or an item cannot
    /// be written (the answer is then cut).
    async fn items<T: Serialize>(&mut self, items: Vec<T>) -> Result<(), ()> {
        for item in items {
            if !self.empty {
                self.buf.push(b',');
            }
            self.empty = false;
            if let Err(e) = serde_json::to_writer(&mut self.buf, &item) {
                tracing::error!(error = %e, "list item not written; answer cut");
                let _ = self.tx.send(Err(io::Error::other(e))).await;
                return Err(());
            }
            if self.buf.len() >= CHUNK {
                let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
                self.tx.send(Ok(Bytes::from(chunk))).await.map_err(|_| ())?;
            }
        }
        Ok(())
    }
}

fn json_body(body: Body) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Gathers bytes and sends them on by [`CHUNK`]s, waiting while the
/// connection has [`WAITING`] chunks to send.
struct ChunkWriter {
    buf: Vec<u8>,
    tx: mpsc::Sender<io::Result<Bytes>>,
}

impl ChunkWriter {
    fn new(tx: mpsc::Sender<io::Result<Bytes>>) -> Self {
        ChunkWriter {
            buf: Vec::with_capacity(CHUNK),
            tx,
        }
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(Bytes::from(chunk)))
            .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    #[derive(Serialize)]
    struct Big {
        name: String,
        lines: Vec<(u32, String, Option<f64>)>,
    }

    fn big(n: u32) -> Big {
        Big {
            name: "édition « test »".into(),
            lines: (0..n)
                .map(|i| {
                    (
                        i,
                        format!("ligne {i} \"citée\""),
                        (i % 3 != 0).then_some(f64::from(i) / 7.0),
                    )
                })
                .collect(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_streamed_answer_is_the_json_of_its_value_in_chunks() {
        for n in [0, 1, 40_000] {
            let value = big(n);
            let expected = serde_json::to_vec(&value).expect("serialises");
            let response = StreamedJson::new(value).into_response();
            assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
            let mut stream = response.into_body().into_data_stream();
            let (mut got, mut chunks) = (Vec::new(), 0);
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.expect("no error");
                assert!(
                    chunk.len() <= CHUNK + 4096,
                    "chunk of {} bytes",
                    chunk.len()
                );
                got.extend_from_slice(&chunk);
                chunks += 1;
            }
            assert_eq!(got, expected, "{n} lines");
            // 40,000 lines are ~1.3 MB: sent in many chunks, not one.
            assert!(n < 40_000 || chunks > 10, "{chunks} chunks");
        }
    }

    async fn body_of(response: Response) -> Result<Vec<u8>, String> {
        let mut stream = response.into_body().into_data_stream();
        let mut got = Vec::new();
        while let Some(chunk) = stream.next().await {
            got.extend_from_slice(&chunk.map_err(|e| e.to_string())?);
        }
        Ok(got)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_streamed_array_is_the_json_of_its_parts_one_after_the_other() {
        let parts: Vec<Vec<(u32, String)>> = vec![
            vec![],
            (0..30_000).map(|i| (i, format!("n°{i}"))).collect(),
            vec![],
            vec![(7, "\"sept\"".into())],
            vec![],
        ];
        for n in 0..=parts.len() {
            let taken: Vec<_> = parts.iter().take(n).cloned().collect();
            let expected = serde_json::to_vec(&taken.concat()).expect("serialises");
            let response = StreamedArray::new(taken, |p| async move { Ok(p) })
                .await
                .expect("first part read")
                .into_response();
            assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
            let got = body_of(response).await.expect("whole");
            assert_eq!(got, expected, "{n} parts");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_part_that_fails_is_an_error_first_then_a_cut_answer() {
        let failing = |p: u32| async move {
            if p == 2 {
                Err(AppError::NotFound)
            } else {
                Ok(vec![p])
            }
        };
        assert!(StreamedArray::new(vec![2, 1], failing).await.is_err());
        let response = StreamedArray::new(vec![1, 2, 3], failing)
            .await
            .expect("first part read")
            .into_response();
        assert!(body_of(response).await.is_err(), "cut, not a short list");
    }

    #[test]
    fn a_writer_stops_when_the_client_is_gone() {
        let (tx, rx) = mpsc::channel(WAITING);
        drop(rx);
        let mut w = ChunkWriter::new(tx);
        let e = w
            .write_all(&vec![b'x'; CHUNK + 1])
            .expect_err("nobody reads");
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    }
}
