//! The load generator's HTTP/1.1 client: a parsed target URL and keep-alive connections
//! that reconnect after a failure (also used by the harness's HTTP scenario).

use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
pub use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::LoadError;

/// Error of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("connect")]
    Connect,
    #[error("io")]
    Io,
    #[error("timeout")]
    Timeout,
}

/// Where to send requests: a parsed `http://host:port/path?query` URL.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: SocketAddr,
    pub authority: String,
    pub path_and_query: String,
}

impl Target {
    /// Parse and resolve an `http://` URL (HTTPS is not supported).
    pub async fn parse(url: &str) -> Result<Target, LoadError> {
        let bad = |why: &str| LoadError::Url {
            url: url.to_string(),
            why: why.to_string(),
        };
        let uri: Uri = url.parse().map_err(|e: hyper::http::uri::InvalidUri| bad(&e.to_string()))?;
        if uri.scheme_str() != Some("http") {
            return Err(bad("only http:// URLs are supported"));
        }
        let authority = uri.authority().ok_or_else(|| bad("no host"))?.clone();
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_string();
        let port = authority.port_u16().unwrap_or(80);
        let addr = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|source| LoadError::Resolve {
                host: host.clone(),
                source,
            })?
            .next()
            .ok_or_else(|| LoadError::Resolve {
                host: host.clone(),
                source: std::io::Error::other("no address"),
            })?;
        let path_and_query = uri.path_and_query().map_or("/".to_string(), |p| p.as_str().to_string());
        Ok(Target {
            addr,
            authority: authority.to_string(),
            path_and_query,
        })
    }
}

/// A response as the load generator sees it.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

/// One keep-alive HTTP/1.1 connection that reconnects after a failure.
pub struct Client {
    target: Target,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Client {
    pub fn new(target: Target) -> Client {
        Client { target, sender: None }
    }

    /// Open the connection now (otherwise the first request opens it).
    pub async fn connect(&mut self) -> Result<(), RequestError> {
        self.connection().await.map(|_| ())
    }

    async fn connection(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, RequestError> {
        if self.sender.as_ref().is_none_or(|s| s.is_closed()) {
            let stream = TcpStream::connect(self.target.addr).await.map_err(|_| RequestError::Connect)?;
            let _ = stream.set_nodelay(true);
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .map_err(|_| RequestError::Connect)?;
            tokio::spawn(connection);
            self.sender = Some(sender);
        }
        self.sender.as_mut().ok_or(RequestError::Connect)
    }

    /// Send one request (POST with `body`, GET without) and read the whole response.
    pub async fn send(&mut self, body: Option<&Bytes>) -> Result<Reply, RequestError> {
        let request = Request::builder()
            .method(if body.is_some() { Method::POST } else { Method::GET })
            .uri(self.target.path_and_query.as_str())
            .header(hyper::header::HOST, self.target.authority.as_str())
            .body(Full::new(body.cloned().unwrap_or_default()))
            .map_err(|_| RequestError::Io)?;
        let result = self.exchange(request).await;
        if result.is_err() {
            self.sender = None;
        }
        result
    }

    async fn exchange(&mut self, request: Request<Full<Bytes>>) -> Result<Reply, RequestError> {
        let sender = self.connection().await?;
        sender.ready().await.map_err(|_| RequestError::Io)?;
        let response = sender.send_request(request).await.map_err(|_| RequestError::Io)?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await.map_err(|_| RequestError::Io)?.to_bytes();
        Ok(Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        })
    }

    /// [`Client::send`] with a timeout; a timed-out connection is dropped.
    pub async fn send_within(&mut self, body: Option<&Bytes>, timeout: Duration) -> Result<Reply, RequestError> {
        match tokio::time::timeout(timeout, self.send(body)).await {
            Ok(result) => result,
            Err(_) => {
                self.sender = None;
                Err(RequestError::Timeout)
            }
        }
    }
}
