//! Splitting one line of a list into its columns.
//!
//! Every list we read keeps one record on one line: none of these feeds quotes a line
//! break. So each line is split on its own (CSV quoting as RFC 4180 has it, within the
//! line), and a broken quote spoils only its own line, which becomes a located problem,
//! instead of swallowing the lines after it.

/// Splits a CSV line on `delimiter`. A column may be quoted with `"` (a doubled `""`
/// inside is one quote); spaces around columns are dropped.
pub(crate) fn split_csv_line(line: &str, delimiter: char) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut characters = line.chars().peekable();
    loop {
        while characters
            .peek()
            .is_some_and(|character| *character != delimiter && character.is_whitespace())
        {
            characters.next();
        }
        let mut field = String::new();
        if characters.peek() == Some(&'"') {
            characters.next();
            let mut closed = false;
            while let Some(character) = characters.next() {
                if character == '"' {
                    if characters.peek() == Some(&'"') {
                        characters.next();
                        field.push('"');
                    } else {
                        closed = true;
                        break;
                    }
                } else {
                    field.push(character);
                }
            }
            if !closed {
                return Err(format!(
                    "column {} opens a quote that the line does not close",
                    fields.len() + 1
                ));
            }
            let mut trailing = String::new();
            while let Some(character) = characters.peek() {
                if *character == delimiter {
                    break;
                }
                trailing.push(*character);
                characters.next();
            }
            if !trailing.trim().is_empty() {
                return Err(format!(
                    "column {} has text after its closing quote",
                    fields.len() + 1
                ));
            }
        } else {
            while let Some(character) = characters.peek() {
                if *character == delimiter {
                    break;
                }
                field.push(*character);
                characters.next();
            }
            let kept = field.trim_end().len();
            field.truncate(kept);
        }
        fields.push(field);
        if characters.next().is_none() {
            return Ok(fields);
        }
    }
}

/// Splits a plain list's line: on `delimiter` when there is one, else on runs of
/// whitespace; columns are trimmed.
pub(crate) fn split_plain_line(line: &str, delimiter: Option<char>) -> Vec<String> {
    match delimiter {
        Some(delimiter) => line
            .split(delimiter)
            .map(|field| field.trim().to_owned())
            .collect(),
        None => line.split_whitespace().map(str::to_owned).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(line: &str) -> Result<Vec<String>, String> {
        split_csv_line(line, ',')
    }

    #[test]
    fn quoted_and_bare_columns_split() {
        assert_eq!(
            csv(r#""2024-05-01 12:04:07","http://a.example/x,y","elf,Mozi",plain , "say ""hi""""#),
            Ok(vec![
                "2024-05-01 12:04:07".to_owned(),
                "http://a.example/x,y".to_owned(),
                "elf,Mozi".to_owned(),
                "plain".to_owned(),
                r#"say "hi""#.to_owned(),
            ])
        );
        assert_eq!(
            csv("a,,c,"),
            Ok(vec!["a".into(), String::new(), "c".into(), String::new()])
        );
        assert_eq!(
            split_csv_line("a\tb", '\t'),
            Ok(vec!["a".into(), "b".into()])
        );
    }

    #[test]
    fn broken_quotes_are_refused() {
        assert_eq!(
            csv(r#""ok","never closed"#),
            Err("column 2 opens a quote that the line does not close".to_owned())
        );
        assert_eq!(
            csv(r#""a"b,c"#),
            Err("column 1 has text after its closing quote".to_owned())
        );
    }

    #[test]
    fn plain_lines_split_on_the_delimiter_or_whitespace() {
        assert_eq!(
            split_plain_line("1.10.16.0/20 ; SBL256894", Some(';')),
            vec!["1.10.16.0/20".to_owned(), "SBL256894".to_owned()]
        );
        assert_eq!(
            split_plain_line("0.0.0.0\t evil.example  # ads", None),
            vec!["0.0.0.0", "evil.example", "#", "ads"]
        );
    }
}
