//! Reading a log line by line with a bound on the line length. A line over the bound is
//! skipped as it streams past — counted, not buffered — so that one gigantic line (a
//! corrupt file, a log of binary data) cannot exhaust memory.

use std::io::{self, BufRead};

/// One line as read.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    /// The line's bytes are in the buffer, without the line end.
    Complete,
    /// The line had this many bytes (without the line end), more than the limit.
    TooLong(u64),
}

/// Reads the next line into `buffer` (cleared first); `None` at the end of the input.
pub(crate) fn read_bounded_line(
    reader: &mut impl BufRead,
    buffer: &mut Vec<u8>,
    limit: usize,
) -> io::Result<Option<Line>> {
    buffer.clear();
    let mut length: u64 = 0;
    let mut read_any = false;
    loop {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        if available.is_empty() {
            break;
        }
        read_any = true;
        let (chunk, used, at_end) = match memchr::memchr(b'\n', available) {
            Some(position) => (&available[..position], position + 1, true),
            None => (available, available.len(), false),
        };
        length += chunk.len() as u64;
        if length <= limit as u64 {
            buffer.extend_from_slice(chunk);
        } else {
            buffer.clear();
        }
        reader.consume(used);
        if at_end {
            break;
        }
    }
    if !read_any {
        return Ok(None);
    }
    if length > limit as u64 {
        return Ok(Some(Line::TooLong(length)));
    }
    if buffer.last() == Some(&b'\r') {
        buffer.pop();
    }
    Ok(Some(Line::Complete))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_skipped_and_short_ones_kept() {
        let input = format!("short\r\n{}\nlast", "x".repeat(100));
        let mut reader = io::BufReader::with_capacity(16, input.as_bytes());
        let mut buffer = Vec::new();
        let mut lines = Vec::new();
        while let Some(line) = read_bounded_line(&mut reader, &mut buffer, 10)
            .ok()
            .flatten()
        {
            lines.push((line, String::from_utf8_lossy(&buffer).into_owned()));
        }
        assert_eq!(
            lines,
            [
                (Line::Complete, "short".to_owned()),
                (Line::TooLong(100), String::new()),
                (Line::Complete, "last".to_owned()),
            ]
        );
    }
}
