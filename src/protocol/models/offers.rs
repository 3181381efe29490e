//! The settings a model may or may not take (thinking, proactive audio, affective dialog):
//! what Settings offers for the chosen model, and what the setup then carries. A setting
//! the model refuses is shown disabled with the reason and never sent.

use super::{Model, Proactive, Thinking};
use crate::protocol::client::{Proactivity, ThinkingConfig};

/// How Settings offers one setting for a model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// The values the person may choose besides the service's default (`""`); a toggle's
    /// only value is `"on"`. None: the control is shown disabled.
    pub choices: &'static [&'static str],
    /// A toggle the model fixes: the value shown, disabled (proactive audio always on).
    pub fixed: Option<bool>,
    /// What the setting does with this model, or why it is disabled, in words.
    pub why: String,
}

impl Offer {
    fn open(choices: &'static [&'static str], why: impl Into<String>) -> Self {
        Offer {
            choices,
            fixed: None,
            why: why.into(),
        }
    }

    fn closed(fixed: Option<bool>, why: impl Into<String>) -> Self {
        Offer {
            choices: &[],
            fixed,
            why: why.into(),
        }
    }

    /// Whether `choice` may be sent (the default, `""`, always may: it sends nothing).
    pub fn allows(&self, choice: &str) -> bool {
        choice.is_empty() || self.choices.contains(&choice)
    }
}

impl Model {
    fn named(&self) -> &str {
        if self.id.is_empty() {
            "A model this page does not know"
        } else {
            self.id
        }
    }

    /// Settings' "Thinking" for this model.
    pub fn thinking_offer(&self) -> Offer {
        match self.thinking {
            Thinking::No => {
                Offer::closed(None, format!("{} takes no thinking setting.", self.named()))
            }
            Thinking::Budget => Offer::open(
                &["off"],
                "Off sends a thinking budget of 0; the default lets the model decide.",
            ),
            Thinking::Levels(levels) => Offer::open(
                levels,
                format!("Sent as thinkingLevel ({}).", levels.join(", ")),
            ),
        }
    }

    /// Settings' "Proactive audio" for this model.
    pub fn proactive_offer(&self) -> Offer {
        match self.proactive_audio {
            Proactive::Setting => Offer::open(
                &["on"],
                "The model may stay silent when what it hears is not meant for it (sent on v1alpha).",
            ),
            Proactive::AlwaysOn => Offer::closed(
                Some(true),
                format!("Always on for {}: it cannot be turned off.", self.named()),
            ),
            Proactive::No => Offer::closed(
                Some(false),
                format!("{} has no proactive audio.", self.named()),
            ),
        }
    }

    /// Settings' "Affective dialog" for this model.
    pub fn affective_offer(&self) -> Offer {
        if self.affective_dialog {
            Offer::open(
                &["on"],
                "The model adapts its tone to yours (sent on v1alpha).",
            )
        } else {
            Offer::closed(
                Some(false),
                format!("{} has no affective dialog.", self.named()),
            )
        }
    }

    /// The `thinkingConfig` for the form's choice (`""`, `off`, or a level), if the model
    /// takes it.
    pub fn thinking_config(&self, choice: &str) -> Option<ThinkingConfig> {
        if !self.thinking_offer().allows(choice) || choice.is_empty() {
            return None;
        }
        Some(match self.thinking {
            Thinking::Budget => ThinkingConfig::Budget(0),
            Thinking::Levels(_) | Thinking::No => {
                ThinkingConfig::Level(choice.to_ascii_uppercase())
            }
        })
    }

    /// `proactivity` for the form's tick: only where it is a setting (always on needs none).
    pub fn proactivity(&self, on: bool) -> Option<Proactivity> {
        (on && self.proactive_audio == Proactive::Setting).then_some(Proactivity {
            proactive_audio: true,
        })
    }

    /// `enableAffectiveDialog` for the form's tick, where the model takes it.
    pub fn affective(&self, on: bool) -> Option<bool> {
        (on && self.affective_dialog).then_some(true)
    }
}
