//! The closed vocabularies of alerts (severity, status, notification mode, delivery
//! state), each with the one name the API, the configuration and the store use, so that
//! a stored value, a JSON field and a command-line argument can never disagree.

/// Declares a vocabulary enum with its names: `as_str`, `parse` (failing with the
/// directory's [`dijkwacht_directory::ParseError`], which lists the names allowed),
/// `ALL` in declaration order (which is also the order of `Ord`), `Display`, and serde
/// under the same names.
macro_rules! vocabulary {
    (
        $(#[$doc:meta])* $name:ident, $what:literal,
        { $($(#[$variant_doc:meta])* $variant:ident => $text:literal),* $(,)? }
    ) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        pub enum $name {
            $($(#[$variant_doc])* #[serde(rename = $text)] $variant,)*
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The name the API and the store use.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            /// Reads a name as [`Self::as_str`] writes it.
            pub fn parse(text: &str) -> Result<$name, dijkwacht_directory::ParseError> {
                match text {
                    $($text => Ok($name::$variant),)*
                    _ => Err(dijkwacht_directory::ParseError {
                        what: $what,
                        value: text.to_owned(),
                        allowed: [$($text),*].join(", "),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use vocabulary;
