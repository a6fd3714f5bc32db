//! Closed sets of named values that the command line and the configuration file accept (output
//! formats, `--fail-on` levels, `--sarif-aggregate`, `--login`): each is a plain enum of the layer
//! that owns it, naming its values once through [`Choice`]; the command line turns every one into
//! a clap value the same way.

/// An enum whose values have a fixed spelling and a line of help.
pub trait Choice: Sized + Copy + 'static {
    /// Every value, in the order help lists them.
    const ALL: &'static [Self];

    /// The spelling on the command line and in config files.
    fn name(self) -> &'static str;

    /// One line of help.
    fn help(self) -> &'static str;

    /// The value spelled `name`.
    fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.name() == name)
    }
}
