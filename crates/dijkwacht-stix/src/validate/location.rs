//! Where in an object a finding is, as a chain of borrowed steps that is only turned
//! into a string when something is reported.

use crate::diagnostic::JsonPath;

#[derive(Debug, Clone, Copy)]
pub(crate) enum Location<'a> {
    Root,
    Key(&'a Location<'a>, &'a str),
    Index(&'a Location<'a>, usize),
}

impl<'a> Location<'a> {
    pub(crate) fn key(&'a self, name: &'a str) -> Location<'a> {
        Location::Key(self, name)
    }

    pub(crate) fn index(&'a self, index: usize) -> Location<'a> {
        Location::Index(self, index)
    }

    pub(crate) fn render(&self) -> String {
        self.path().as_str().to_owned()
    }

    fn path(&self) -> JsonPath {
        match self {
            Location::Root => JsonPath::root(),
            Location::Key(parent, name) => parent.path().key(name),
            Location::Index(parent, index) => parent.path().index(*index),
        }
    }
}
