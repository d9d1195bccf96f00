//! The rules for what people type when they add things to the directory: the short
//! names of organisations and communities, logins and passwords. They live here, not in
//! the command line or the HTTP server, so that every way of administering the directory
//! refuses the same things with the same words.

/// Community names that TAXII uses for API roots of its own (the public tier and each
/// organisation's own objects); no community may take them.
pub const RESERVED_COMMUNITY_NAMES: [&str; 2] = ["public", "own"];

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// What is wrong with a name, login or password; the message says what to use instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("'{name}' is not a valid {what} name: use 2-64 lower-case letters, digits and '-'")]
    Malformed { what: &'static str, name: String },
    #[error(
        "'{name}' is reserved: TAXII serves the public tier and each organisation's own objects under that name; choose another community name"
    )]
    Reserved { name: String },
    #[error("'{email}' is not an e-mail address; a user's login is their e-mail address")]
    NotAnEmail { email: String },
    #[error("the password is too short: use at least {MIN_PASSWORD_CHARS} characters")]
    PasswordTooShort,
}

/// Short names (`waterbedrijf`, `regio-rijnmond`): 2-64 lower-case letters, digits and
/// `-`, so that they are safe in URLs, file names and TAXII API roots alike.
pub fn check_name(what: &'static str, name: &str) -> Result<(), NameError> {
    let valid = (2..=64).contains(&name.len())
        && name
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
    if valid {
        Ok(())
    } else {
        Err(NameError::Malformed {
            what,
            name: name.to_owned(),
        })
    }
}

/// A community name: a valid short name that TAXII does not reserve.
pub fn check_community_name(name: &str) -> Result<(), NameError> {
    check_name("community", name)?;
    if RESERVED_COMMUNITY_NAMES.contains(&name) {
        return Err(NameError::Reserved {
            name: name.to_owned(),
        });
    }
    Ok(())
}

/// A login: an e-mail address (loosely checked: an `@`, no white space, at most 254
/// characters).
pub fn check_email(email: &str) -> Result<(), NameError> {
    if !email.contains('@') || email.len() > 254 || email.chars().any(char::is_whitespace) {
        return Err(NameError::NotAnEmail {
            email: email.to_owned(),
        });
    }
    Ok(())
}

/// A new password: at least [`MIN_PASSWORD_CHARS`] characters.
pub fn check_password(password: &str) -> Result<(), NameError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(NameError::PasswordTooShort);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_logins_and_passwords() {
        for good in ["water", "regio-rijnmond", "a1", &"x".repeat(64)] {
            assert_eq!(check_name("community", good), Ok(()), "{good}");
        }
        for bad in ["w", "Water", "water board", "wáter", "", &"x".repeat(65)] {
            assert!(check_name("community", bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_name("organisation", "A").map_err(|error| error.to_string()),
            Err(
                "'A' is not a valid organisation name: use 2-64 lower-case letters, digits and '-'"
                    .to_owned()
            )
        );
        assert!(matches!(
            check_community_name("public"),
            Err(NameError::Reserved { .. })
        ));
        assert!(matches!(
            check_community_name("own"),
            Err(NameError::Reserved { .. })
        ));
        assert_eq!(check_community_name("water"), Ok(()));
        assert_eq!(check_email("alice@waterbedrijf.example"), Ok(()));
        assert!(check_email("alice").is_err());
        assert!(check_email("alice @example.org").is_err());
        assert_eq!(check_password("short"), Err(NameError::PasswordTooShort));
        assert_eq!(check_password("twelve chars"), Ok(()));
    }
}
