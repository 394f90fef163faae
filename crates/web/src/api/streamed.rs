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
        let mut response = Body::from_stream(chunks).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
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
