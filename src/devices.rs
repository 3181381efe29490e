//! The microphone and speaker pickers as plain data: which options the page shows for the
//! devices the browser lists (`enumerateDevices`), and which one is chosen.

/// One device as the browser lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    /// Empty until the person has allowed the microphone (browsers hide labels before).
    pub label: String,
}

/// What a picker shows: (value, label) options, the system default (value `""`) first, and
/// the chosen value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub options: Vec<(String, String)>,
    pub chosen: String,
}

/// The picker for `devices` of one kind (`noun`: "Microphone", "Speaker"), keeping `stored`
/// (the choice of an earlier visit) if that device is still there. Chromium's pseudo-devices
/// `default` and `communications` are left out: the first option already means the default.
pub fn picker(noun: &str, devices: &[Device], stored: &str) -> Picker {
    let mut options = vec![(String::new(), "System default".to_owned())];
    let real = devices
        .iter()
        .filter(|d| !d.id.is_empty() && d.id != "default" && d.id != "communications");
    for (n, device) in real.enumerate() {
        let label = if device.label.trim().is_empty() {
            format!("{noun} {}", n + 1)
        } else {
            device.label.trim().to_owned()
        };
        options.push((device.id.clone(), label));
    }
    let chosen = if options.iter().any(|(id, _)| id == stored) {
        stored.to_owned()
    } else {
        String::new()
    };
    Picker { options, chosen }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str, label: &str) -> Device {
        Device {
            id: id.into(),
            label: label.into(),
        }
    }

    #[test]
    fn the_default_comes_first_and_pseudo_devices_are_left_out() {
        let devices = [
            device("default", "Default - Headset"),
            device("communications", "Communications - Headset"),
            device("a1", "Headset (USB)"),
            device("b2", " Built-in "),
        ];
        assert_eq!(
            picker("Microphone", &devices, "b2"),
            Picker {
                options: vec![
                    ("".into(), "System default".into()),
                    ("a1".into(), "Headset (USB)".into()),
                    ("b2".into(), "Built-in".into()),
                ],
                chosen: "b2".into(),
            }
        );
    }

    #[test]
    fn unnamed_devices_are_numbered_and_a_gone_choice_falls_back() {
        let devices = [device("x", ""), device("y", "")];
        let p = picker("Speaker", &devices, "unplugged");
        assert_eq!(p.options[1].1, "Speaker 1");
        assert_eq!(p.options[2].1, "Speaker 2");
        assert_eq!(p.chosen, "");
        // Before permission some browsers list devices with empty ids: nothing to choose.
        assert_eq!(picker("Microphone", &[device("", "")], "").options.len(), 1);
    }
}
