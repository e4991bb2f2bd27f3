//! `wasmbench worker` (hidden): the measuring child process. Reads one request as JSON on
//! stdin, runs it (see `crate::worker`), writes one response as JSON on stdout.

use std::io::{Read, Write};

use anyhow::{Context, Result};

use super::SUCCESS;
use crate::protocol::Request;

pub fn execute() -> Result<u8> {
    let mut input = Vec::new();
    std::io::stdin()
        .read_to_end(&mut input)
        .context("reading the worker request from stdin")?;
    let request: Request = serde_json::from_slice(&input).context("parsing the worker request")?;
    let response = crate::worker::serve(&request);
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer(&mut stdout, &response).context("writing the worker response")?;
    stdout.flush().context("writing the worker response")?;
    Ok(SUCCESS)
}
