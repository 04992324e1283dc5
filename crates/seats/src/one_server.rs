//! One server per licence on a machine. A licence is activated on one
//! machine, and on that machine it feeds one pool: a second `entitle serve`
//! of the same state directory (with SQLite, or with another database), or
//! of a copy of it, finds the licence held and serves nothing of it.
//!
//! The hold is a Linux abstract socket named after the machine id and the
//! licence serial: the kernel keeps it for as long as the holding process
//! lives and drops it when the process ends, however it ends (`kill -9`
//! included), and no file in any directory stands for it, so neither a
//! copied directory nor another `TMPDIR` escapes it. Root on the machine
//! can still escape it (a network namespace of its own has its own abstract
//! sockets); docs/threat-model.md says so. Elsewhere than on Linux nothing
//! is held.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::store::{PoolSpec, hash};

/// The licences this process serves on this machine, each held.
#[derive(Debug)]
pub struct ServedHere {
    /// SHA-256 of the machine id, hex: part of every hold's name.
    machine: String,
    held: Mutex<BTreeMap<String, Hold>>,
}

#[cfg(target_os = "linux")]
type Hold = std::os::unix::net::UnixListener;
#[cfg(not(target_os = "linux"))]
type Hold = ();

impl ServedHere {
    /// Nothing held yet, on the machine with `machine_id`.
    pub fn new(machine_id: &[u8]) -> ServedHere {
        let machine = hash(&hex(machine_id));
        ServedHere {
            machine: hex(&machine),
            held: Mutex::new(BTreeMap::new()),
        }
    }

    /// The pools of `pools` whose every licence this process holds (taking
    /// the holds that are free), and the serials another process holds.
    /// A pool with a licence held elsewhere is left out whole: it never
    /// counts twice on this machine.
    pub fn keep(&self, pools: Vec<PoolSpec>) -> (Vec<PoolSpec>, Vec<String>) {
        let Ok(mut held) = self.held.lock() else {
            return (Vec::new(), Vec::new());
        };
        let mut elsewhere = Vec::new();
        let mut kept = Vec::new();
        for pool in pools {
            let mut all_held = true;
            for serial in &pool.serials {
                if held.contains_key(serial) {
                    continue;
                }
                match self.hold(serial) {
                    Some(hold) => {
                        held.insert(serial.clone(), hold);
                    }
                    None => {
                        all_held = false;
                        if !elsewhere.contains(serial) {
                            elsewhere.push(serial.clone());
                        }
                    }
                }
            }
            if all_held {
                kept.push(pool);
            }
        }
        (kept, elsewhere)
    }

    #[cfg(target_os = "linux")]
    fn hold(&self, serial: &str) -> Option<Hold> {
        use std::os::linux::net::SocketAddrExt as _;
        let name = format!("entitle-serve/{}/{serial}", self.machine);
        let address = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).ok()?;
        std::os::unix::net::UnixListener::bind_addr(&address).ok()
    }

    #[cfg(not(target_os = "linux"))]
    fn hold(&self, _serial: &str) -> Option<Hold> {
        Some(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
