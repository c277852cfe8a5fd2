//! The topology diagram's layout (拓扑图布局): devices framed by room and, inside a room, by
//! network zone; rows by role found from the links (a BFS from the core switches); the order
//! inside a row chosen to reduce crossings (barycentre sweeps); links routed orthogonally through
//! the channels between rows and through reserved slots where they pass a row, so no link runs
//! through a device; port names written beside the link ends, in space reserved for them.
//!
//! Pure geometry: [`layout`] places, [`svg`] draws. Deterministic: the same data draws the same
//! picture.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write;

use crate::domain::asset::AssetKind;

/// A device's place in the network's hierarchy (层级), used to root the layering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// 核心
    Core,
    /// 汇聚 (routers)
    Aggregation,
    /// 接入
    Access,
    /// Servers, storage, security and everything else (服务器/安全设备).
    Edge,
}

impl Role {
    pub fn of(kind: AssetKind) -> Role {
        match kind {
            AssetKind::CoreSwitch => Role::Core,
            AssetKind::Router => Role::Aggregation,
            AssetKind::AccessSwitch => Role::Access,
            _ => Role::Edge,
        }
    }
    fn rank(self) -> usize {
        self as usize
    }
}

/// A device on the diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: i64,
    /// First line: the device's name.
    pub name: String,
    /// Second line: kind and management address.
    pub sub: String,
    /// Room (位置): one frame each.
    pub room: String,
    /// Network zone label (内网/政务网/互联网), empty when not known: a frame inside the room.
    pub zone: String,
    /// Order of the zone frames inside a room (lower first).
    pub zone_rank: u8,
    pub role: Role,
    /// Monitoring says the device is down (设备中断).
    pub down: bool,
}

/// How a link is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LinkState {
    /// On record, nothing known against it.
    Up,
    /// On record, and monitoring sees the port or a device down (中断).
    Down,
    /// Discovered by LLDP/CDP and not yet confirmed (待确认).
    Unconfirmed,
}

/// A link between two devices' ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub a: i64,
    pub a_port: String,
    pub b: i64,
    pub b_port: String,
    pub state: LinkState,
}

/// An axis-aligned rectangle in diagram units (pixels).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
}

impl Rect {
    pub fn right(&self) -> i64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> i64 {
        self.y + self.h
    }
    /// The interiors overlap (touching edges do not count).
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.right() && o.x < self.right() && self.y < o.bottom() && o.y < self.bottom()
    }
    /// `o` lies inside (or on the border of) this rectangle.
    pub fn contains(&self, o: &Rect) -> bool {
        o.x >= self.x && o.y >= self.y && o.right() <= self.right() && o.bottom() <= self.bottom()
    }
    /// The horizontal or vertical segment `p`–`q` passes through the interior.
    pub fn crossed_by(&self, p: (i64, i64), q: (i64, i64)) -> bool {
        let (x0, x1) = (p.0.min(q.0), p.0.max(q.0));
        let (y0, y1) = (p.1.min(q.1), p.1.max(q.1));
        x0 < self.right() && self.x < x1.max(x0 + 1) && y0 < self.bottom() && self.y < y1.max(y0 + 1)
            // A segment running along the border does not enter.
            && !(x0 == x1 && (x0 <= self.x || x0 >= self.right()))
            && !(y0 == y1 && (y0 <= self.y || y0 >= self.bottom()))
    }
}

/// A placed device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedDevice {
    pub device: Device,
    pub rect: Rect,
}

/// A port name placed beside a link end, written along the link (rotated a quarter turn).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortLabel {
    /// What is written (the port name, shortened the way vendors do).
    pub text: String,
    /// The full port name (tooltip).
    pub full: String,
    /// The space the text takes.
    pub rect: Rect,
    /// Where the text starts.
    pub anchor: (i64, i64),
    /// 90: reads downwards (below a device); -90: upwards (above one); 0: across (between two
    /// neighbours in a row).
    pub angle: i32,
}

/// A placed link: an orthogonal path from `a` to `b`, and its two port labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedLink {
    pub a: i64,
    pub b: i64,
    pub state: LinkState,
    pub points: Vec<(i64, i64)>,
    pub labels: Vec<PortLabel>,
}

/// A frame around a room or a network zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub title: String,
    pub rect: Rect,
    pub zone: Option<String>,
}

/// The whole diagram, ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pub width: i64,
    pub height: i64,
    pub devices: Vec<PlacedDevice>,
    pub links: Vec<PlacedLink>,
    pub frames: Vec<Frame>,
    /// How many times a link passes a row of devices (through a reserved slot).
    pub passes: usize,
}

impl Layout {
    /// What is wrong with this drawing of `devices` and `links`, against what the layout
    /// promises: every device drawn once inside the canvas, its room frame and its zone frame;
    /// no two devices overlapping; every link joining its two devices by an orthogonal path that
    /// enters no other device; every port name inside the canvas, on no device, on no other
    /// name and under no link. Empty when all holds (the tests hold every layout to it).
    pub fn faults(&self, devices: &[Device], links: &[Link]) -> Vec<String> {
        let l = self;
        let mut out: Vec<String> = Vec::new();
        macro_rules! ensure {
            ($c:expr, $($m:tt)+) => {
                if !$c {
                    out.push(format!($($m)+));
                }
            };
        }
        let canvas = Rect {
            x: 0,
            y: 0,
            w: l.width,
            h: l.height,
        };
        let ids: BTreeSet<i64> = devices.iter().map(|d| d.id).collect();
        ensure!(l.devices.len() == ids.len(), "every device is drawn once");
        for (i, a) in l.devices.iter().enumerate() {
            ensure!(
                canvas.contains(&a.rect),
                "{} outside the canvas",
                a.device.name
            );
            for b in &l.devices[i + 1..] {
                ensure!(
                    !a.rect.overlaps(&b.rect),
                    "{} overlaps {}",
                    a.device.name,
                    b.device.name
                );
            }
            // Inside its room's frame and its zone's frame.
            let zone = zone_title(&a.device.zone);
            ensure!(
                l.frames
                    .iter()
                    .any(|f| f.zone.as_deref() == Some(a.device.zone.as_str())
                        && f.title == zone
                        && f.rect.contains(&a.rect)),
                "{} outside its zone frame",
                a.device.name
            );
            ensure!(
                l.frames.iter().any(|f| f.zone.is_none()
                    && f.title == room_title(&a.device.room)
                    && f.rect.contains(&a.rect)),
                "{} outside its room frame",
                a.device.name
            );
        }
        for f in &l.frames {
            ensure!(
                canvas.contains(&f.rect),
                "frame {} outside the canvas",
                f.title
            );
        }
        let rect_of = |id: i64| {
            l.devices.iter().find(|d| d.device.id == id).map_or(
                Rect {
                    x: 0,
                    y: 0,
                    w: 0,
                    h: 0,
                },
                |d| d.rect,
            )
        };
        let drawn = links
            .iter()
            .filter(|k| k.a != k.b && ids.contains(&k.a) && ids.contains(&k.b))
            .count();
        ensure!(l.links.len() == drawn, "every link between drawn devices");
        let mut all_labels: Vec<Rect> = Vec::new();
        for pl in &l.links {
            if pl.points.len() < 2 {
                out.push(format!("link {}–{} has no path", pl.a, pl.b));
                continue;
            }
            let (ra, rb) = (rect_of(pl.a), rect_of(pl.b));
            let on_border = |r: &Rect, p: (i64, i64)| {
                (p.0 > r.x && p.0 < r.right() && (p.1 == r.y || p.1 == r.bottom()))
                    || (p.1 > r.y && p.1 < r.bottom() && (p.0 == r.x || p.0 == r.right()))
            };
            let first = pl.points[0];
            let last = pl.points[pl.points.len() - 1];
            ensure!(
                (on_border(&ra, first) && on_border(&rb, last))
                    || (on_border(&rb, first) && on_border(&ra, last)),
                "link {}–{} does not join its devices: {:?}",
                pl.a,
                pl.b,
                pl.points
            );
            for w in pl.points.windows(2) {
                ensure!(
                    w[0].0 == w[1].0 || w[0].1 == w[1].1,
                    "not orthogonal: {:?}",
                    pl.points
                );
                ensure!(
                    canvas.contains(&Rect {
                        x: w[0].0.min(w[1].0),
                        y: w[0].1.min(w[1].1),
                        w: (w[0].0 - w[1].0).abs(),
                        h: (w[0].1 - w[1].1).abs(),
                    }),
                    "link outside the canvas"
                );
                for d in &l.devices {
                    ensure!(
                        !d.rect.crossed_by(w[0], w[1]),
                        "link {}–{} runs through {}: {:?} {:?}",
                        pl.a,
                        pl.b,
                        d.device.name,
                        pl.points,
                        d.rect
                    );
                }
            }
            for lb in &pl.labels {
                ensure!(canvas.contains(&lb.rect), "label {} clipped", lb.text);
                let along = if lb.angle == 0 { lb.rect.w } else { lb.rect.h };
                ensure!(
                    along == text_width(&lb.text, PORT_PX),
                    "label {} measured short",
                    lb.text
                );
                for d in &l.devices {
                    ensure!(
                        !d.rect.overlaps(&lb.rect),
                        "label {} on {}",
                        lb.text,
                        d.device.name
                    );
                }
                all_labels.push(lb.rect);
            }
        }
        for (i, a) in all_labels.iter().enumerate() {
            for b in &all_labels[i + 1..] {
                ensure!(!a.overlaps(b), "labels overlap: {a:?} {b:?}");
            }
            // No link runs over a label.
            for pl in &l.links {
                for w in pl.points.windows(2) {
                    ensure!(!a.crossed_by(w[0], w[1]), "a link crosses a label {a:?}");
                }
            }
        }
        out
    }
}

const NAME_PX: i64 = 13;
const SUB_PX: i64 = 11;
const PORT_PX: i64 = 10;
const BOX_H: i64 = 44;
const BOX_MIN_W: i64 = 120;
/// Distance between two link ends on one side of a device: room for a port label beside each.
const PITCH: i64 = 17;
/// A reserved slot where a link passes a row.
const SLOT_W: i64 = 8;
const GAP: i64 = 22;
const SLOT_GAP: i64 = 6;
const TRACK: i64 = 6;
const LABEL_OFF: i64 = 4;
const MARGIN: i64 = 16;
const FRAME_PAD: i64 = 12;
const ZONE_GAP: i64 = 14;
const ROOM_GAP: i64 = 26;
const LEGEND_H: i64 = 30;
const ROOM_TITLE_H: i64 = 26;
const ZONE_TITLE_H: i64 = 22;
/// How many devices of one zone frame a row may hold before wrapping: tried in turn, the
/// drawing closest to a 16:9 screen wins.
const PER_ROW: [usize; 6] = [4, 5, 6, 8, 10, 14];

/// How wide a text is drawn, generously: 1 em for CJK and other wide characters, 0.62 em for
/// ASCII (sans-serif capitals and digits stay under that).
pub fn text_width(s: &str, px: i64) -> i64 {
    let tenths: i64 = s.chars().map(|c| if c.is_ascii() { 62 } else { 100 }).sum();
    (tenths * px + 99) / 100
}

/// A port name as vendors abbreviate it on their own diagrams: `GigabitEthernet2/0/1` → `GE2/0/1`.
pub fn short_port(p: &str) -> String {
    let p = p.trim();
    let i = p.find(|c: char| c.is_ascii_digit()).unwrap_or(p.len());
    let (letters, rest) = p.split_at(i);
    let short = match letters.to_ascii_lowercase().as_str() {
        "gigabitethernet" => "GE",
        "xgigabitethernet" | "ten-gigabitethernet" => "XGE",
        "tengigabitethernet" => "Te",
        "fastethernet" => "FE",
        "25ge" | "twentyfivegige" => "25GE",
        "fortygigabitethernet" | "fortygige" => "40GE",
        "100ge" | "hundredgige" | "hundredgigabitethernet" => "100GE",
        "ethernet" => "Eth",
        "bridge-aggregation" => "BAGG",
        "port-channel" => "Po",
        _ => letters,
    };
    format!("{short}{rest}")
}

/// A link end on a device side: (the other end's centre, chain, segment, which end).
type SideEnd = (i64, usize, usize, usize);
/// A horizontal run in a channel: (order key, left, right, chain, segment).
type Run = ((u8, i64), i64, i64, usize, usize);

/// One thing in a row: a device or a slot where a link passes.
#[derive(Debug, Clone)]
struct Item {
    /// Index into the devices, or `None` for a passing slot.
    device: Option<usize>,
    row: usize,
    group: usize,
    width: i64,
    x: i64,
}

/// Rows: a BFS from the core switches over the links; devices not reached start their own BFS
/// from their best-ranked devices at that role's row. Then each row's devices of one zone
/// frame wrap onto further rows when too many.
fn layers(devices: &[Device], adj: &[BTreeSet<usize>]) -> Vec<usize> {
    let n = devices.len();
    let mut layer = vec![usize::MAX; n];
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (devices[i].role.rank(), devices[i].id));
    for &start in &order {
        if layer[start] != usize::MAX {
            continue;
        }
        // Every unreached device of this role in this component starts at once.
        let role = devices[start].role;
        let mut comp = BTreeSet::new();
        let mut q = VecDeque::from([start]);
        comp.insert(start);
        while let Some(u) = q.pop_front() {
            for &v in &adj[u] {
                if layer[v] == usize::MAX && comp.insert(v) {
                    q.push_back(v);
                }
            }
        }
        // Below the core's row unless rooted at a core switch.
        let base = if role == Role::Core { 0 } else { 1 };
        let mut q = VecDeque::new();
        for &i in &comp {
            if devices[i].role == role {
                layer[i] = base;
                q.push_back(i);
            }
        }
        while let Some(u) = q.pop_front() {
            for &v in &adj[u] {
                if layer[v] == usize::MAX {
                    layer[v] = layer[u] + 1;
                    q.push_back(v);
                }
            }
        }
    }
    layer
}

/// Place the devices and route the links. Links whose ends are not both among `devices`, and
/// links from a device to itself, are left out.
pub fn layout(devices: &[Device], links: &[Link]) -> Layout {
    let mut best: Option<(i64, Layout)> = None;
    for per_row in PER_ROW {
        for bands in 1..=3 {
            let l = layout_with(devices, links, per_row, bands);
            // Distance from 16:9, in thousandths of the log of the ratio.
            let ratio = l.width as f64 / l.height.max(1) as f64;
            // Distance from 16:9, in thousandths of the log of the ratio; each link passing a row
            // costs as much as 1 % off the ratio (long runs through rows read badly).
            let score = ((ratio / (16.0 / 9.0)).ln().abs() * 1000.0) as i64 + 10 * l.passes as i64;
            if best.as_ref().is_none_or(|(b, _)| score < *b) {
                best = Some((score, l));
            }
        }
    }
    best.map_or_else(|| layout_with(devices, links, PER_ROW[0], 1), |(_, l)| l)
}

/// The port of a link at one of its devices (by index).
fn port_at<'a>(link: &(usize, usize, &'a Link), device: usize) -> &'a str {
    if device == link.0 {
        &link.2.a_port
    } else {
        &link.2.b_port
    }
}

/// [`layout`] with at most `per_row` devices of one zone frame in a row, and the rooms split
/// into `bands` stacked one under the other.
pub fn layout_with(devices: &[Device], links: &[Link], per_row: usize, bands: usize) -> Layout {
    // Groups: rooms (the one holding the core first), zones inside.
    let mut devices: Vec<Device> = devices.to_vec();
    devices.sort_by_key(|d| d.id);
    devices.dedup_by_key(|d| d.id);
    let index: BTreeMap<i64, usize> = devices.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
    let links: Vec<(usize, usize, &Link)> = links
        .iter()
        .filter_map(|l| Some((*index.get(&l.a)?, *index.get(&l.b)?, l)))
        .filter(|(a, b, _)| a != b)
        .collect();
    let n = devices.len();
    let mut adj = vec![BTreeSet::new(); n];
    for &(a, b, _) in &links {
        adj[a].insert(b);
        adj[b].insert(a);
    }
    let mut room_rank: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
    for d in &devices {
        let e = room_rank
            .entry(d.room.as_str())
            .or_insert((usize::MAX, d.room.as_str()));
        e.0 = e.0.min(d.role.rank());
    }
    let mut rooms: Vec<&str> = room_rank.keys().copied().collect();
    rooms.sort_by_key(|r| room_rank[r]);
    let mut group_keys: Vec<(usize, u8, &str)> = devices
        .iter()
        .map(|d| {
            let r = rooms.iter().position(|x| *x == d.room).unwrap_or(0);
            (r, d.zone_rank, d.zone.as_str())
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    group_keys.dedup();
    let group_of: Vec<usize> = devices
        .iter()
        .map(|d| {
            let r = rooms.iter().position(|x| *x == d.room).unwrap_or(0);
            group_keys
                .iter()
                .position(|k| *k == (r, d.zone_rank, d.zone.as_str()))
                .unwrap_or(0)
        })
        .collect();

    // Rows.
    let layer = layers(&devices, &adj);
    let mut by_layer_group: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        by_layer_group
            .entry((layer[i], group_of[i]))
            .or_default()
            .push(i);
    }
    // Rooms in bands stacked top to bottom, in their order, of about equal estimated width, so
    // that many rooms do not make one long strip.
    let bands = bands.clamp(1, rooms.len().max(1));
    let room_band: Vec<usize> = {
        let est: Vec<i64> = (0..rooms.len())
            .map(|r| {
                (0..group_keys.len())
                    .filter(|&g| group_keys[g].0 == r)
                    .map(|g| {
                        let widest = by_layer_group
                            .iter()
                            .filter(|((_, gg), _)| *gg == g)
                            .map(|(_, v)| v.len().min(per_row))
                            .max()
                            .unwrap_or(1) as i64;
                        widest * (BOX_MIN_W + GAP + 20) + 2 * FRAME_PAD + ZONE_GAP
                    })
                    .sum::<i64>()
                    + ROOM_GAP
            })
            .collect();
        let total: i64 = est.iter().sum::<i64>().max(1);
        let mut before = 0i64;
        est.iter()
            .map(|&e| {
                let mid = before + e / 2;
                before += e;
                ((mid * bands as i64 / total) as usize).min(bands - 1)
            })
            .collect()
    };
    let group_band: Vec<usize> = group_keys.iter().map(|k| room_band[k.0]).collect();
    let mut wraps: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for ((l, g), v) in &by_layer_group {
        let w = wraps.entry((group_band[*g], *l)).or_insert(1);
        *w = (*w).max(v.len().div_ceil(per_row));
    }
    let mut row_base: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut band_of_row: Vec<usize> = Vec::new();
    for (&(b, l), w) in &wraps {
        row_base.insert((b, l), band_of_row.len());
        band_of_row.extend(std::iter::repeat_n(b, *w));
    }
    let rows = band_of_row.len();
    let mut items: Vec<Item> = Vec::new();
    let mut item_of = vec![0usize; n];
    for ((l, g), mut v) in by_layer_group {
        v.sort_by_cached_key(|&a| (devices[a].role, natural(&devices[a].name), devices[a].id));
        for (k, i) in v.into_iter().enumerate() {
            item_of[i] = items.len();
            items.push(Item {
                device: Some(i),
                row: row_base[&(group_band[g], l)] + k / per_row,
                group: g,
                width: 0,
                x: 0,
            });
        }
    }
    // Each link as a chain of items from its upper end to its lower end, with a slot in every
    // row it passes; the slot sits in the lower end's frame.
    let mut chains: Vec<Vec<usize>> = Vec::new();
    for &(a, b, _) in &links {
        let (ia, ib) = (item_of[a], item_of[b]);
        let (up, down) = if items[ia].row <= items[ib].row {
            (ia, ib)
        } else {
            (ib, ia)
        };
        let mut chain = vec![up];
        let (gu, gd) = (items[up].group, items[down].group);
        let (from, to) = (items[up].row + 1, items[down].row);
        for (r, &band) in band_of_row.iter().enumerate().take(to).skip(from) {
            // In the frame of whichever end shares the row's band.
            let group = if group_band[gu] == band {
                gu
            } else if group_band[gd] == band {
                gd
            } else {
                (0..group_keys.len())
                    .find(|&g| group_band[g] == band)
                    .unwrap_or(gd)
            };
            chain.push(items.len());
            items.push(Item {
                device: None,
                row: r,
                group,
                width: SLOT_W,
                x: 0,
            });
        }
        chain.push(down);
        chains.push(chain);
    }

    // Order within rows: barycentre sweeps, groups kept in their order.
    let mut neighbours_up: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    let mut neighbours_down: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    for c in &chains {
        for w in c.windows(2) {
            if items[w[0]].row + 1 == items[w[1]].row {
                neighbours_down[w[0]].push(w[1]);
                neighbours_up[w[1]].push(w[0]);
            }
        }
    }
    let mut row_items: Vec<Vec<usize>> = vec![Vec::new(); rows];
    for (k, it) in items.iter().enumerate() {
        row_items[it.row].push(k);
    }
    for r in &mut row_items {
        r.sort_by_key(|&k| items[k].group);
    }
    let mut pos = vec![0f64; items.len()];
    for r in &row_items {
        for (p, &k) in r.iter().enumerate() {
            pos[k] = p as f64;
        }
    }
    for sweep in 0..12 {
        let downwards = sweep % 2 == 0;
        let order: Vec<usize> = if downwards {
            (1..rows).collect()
        } else {
            (0..rows.saturating_sub(1)).rev().collect()
        };
        for r in order {
            // The first sweeps follow one side; the later ones both, which spreads the slots of
            // links passing a row between the devices they lead to.
            let key = |k: usize| {
                let ns: Vec<usize> = match (sweep < 4, downwards) {
                    (true, true) => neighbours_up[k].clone(),
                    (true, false) => neighbours_down[k].clone(),
                    _ => neighbours_up[k]
                        .iter()
                        .chain(&neighbours_down[k])
                        .copied()
                        .collect(),
                };
                if ns.is_empty() {
                    pos[k]
                } else {
                    ns.iter().map(|&m| pos[m]).sum::<f64>() / ns.len() as f64
                }
            };
            let mut keyed: Vec<(usize, f64, f64, usize)> = row_items[r]
                .iter()
                .map(|&k| (items[k].group, key(k), pos[k], k))
                .collect();
            keyed.sort_by(|a, b| {
                a.0.cmp(&b.0)
                    .then(a.1.total_cmp(&b.1))
                    .then(a.2.total_cmp(&b.2))
            });
            row_items[r] = keyed.into_iter().map(|t| t.3).collect();
            for (p, &k) in row_items[r].iter().enumerate() {
                pos[k] = p as f64;
            }
        }
    }

    // A link between neighbours in a row runs straight across the gap between them (two per
    // pair at most, the rest go round below), the gap widened for its port names.
    let mut side: BTreeMap<usize, (usize, usize, i64)> = BTreeMap::new();
    let mut pair_need: BTreeMap<(usize, usize), i64> = BTreeMap::new();
    {
        let mut place: BTreeMap<usize, usize> = BTreeMap::new();
        for ks in &row_items {
            for (p, &k) in ks.iter().enumerate() {
                place.insert(k, p);
            }
        }
        let mut per_pair: BTreeMap<(usize, usize), i64> = BTreeMap::new();
        for (ci, c) in chains.iter().enumerate() {
            if c.len() != 2
                || items[c[0]].row != items[c[1]].row
                || items[c[0]].group != items[c[1]].group
                || place[&c[0]].abs_diff(place[&c[1]]) != 1
            {
                continue;
            }
            let (l, r) = if place[&c[0]] < place[&c[1]] {
                (c[0], c[1])
            } else {
                (c[1], c[0])
            };
            let n = per_pair.entry((l, r)).or_insert(0);
            if *n >= 2 {
                continue;
            }
            side.insert(ci, (l, r, *n));
            *n += 1;
            let width_of = |k: usize| {
                items[k].device.map_or(0, |d| {
                    text_width(&short_port(port_at(&links[ci], d)), PORT_PX)
                })
            };
            let need = width_of(l) + width_of(r) + 4 * LABEL_OFF + 16;
            let e = pair_need.entry((l, r)).or_insert(0);
            *e = (*e).max(need);
        }
    }

    // Ends per device side, to size the boxes.
    let mut bottom_ends = vec![0i64; items.len()];
    let mut top_ends = vec![0i64; items.len()];
    for (ci, c) in chains.iter().enumerate() {
        if side.contains_key(&ci) {
            continue;
        }
        if c.len() == 2 && items[c[0]].row == items[c[1]].row {
            bottom_ends[c[0]] += 1;
            bottom_ends[c[1]] += 1;
        } else {
            bottom_ends[c[0]] += 1;
            if let Some(&last) = c.last() {
                top_ends[last] += 1;
            }
        }
    }
    for (k, it) in items.iter_mut().enumerate() {
        if let Some(i) = it.device {
            let d = &devices[i];
            it.width = BOX_MIN_W
                .max(text_width(&d.name, NAME_PX) + 16)
                .max(text_width(&d.sub, SUB_PX) + 16)
                .max((bottom_ends[k].max(top_ends[k]) + 1) * PITCH);
        }
    }

    // Widths: each zone frame as wide as its widest row and its title.
    let is_slot: Vec<bool> = items.iter().map(|it| it.device.is_none()).collect();
    let gap_between = |a: usize, b: usize| {
        let base = if is_slot[a] && is_slot[b] {
            SLOT_GAP
        } else {
            GAP
        };
        base.max(pair_need.get(&(a, b)).copied().unwrap_or(0))
    };
    let groups = group_keys.len();
    let mut group_w = vec![0i64; groups];
    let mut row_group_w: BTreeMap<(usize, usize), i64> = BTreeMap::new();
    for (r, ks) in row_items.iter().enumerate() {
        let mut prev: Option<usize> = None;
        for &k in ks {
            let g = items[k].group;
            let w = row_group_w.entry((r, g)).or_insert(0);
            match prev {
                Some(p) if items[p].group == g => *w += gap_between(p, k),
                _ => {}
            }
            *w += items[k].width;
            prev = Some(k);
        }
    }
    for ((_, g), w) in &row_group_w {
        group_w[*g] = group_w[*g].max(*w);
    }
    for (g, (_, _, zone)) in group_keys.iter().enumerate() {
        group_w[g] = group_w[g].max(text_width(zone_title(zone), SUB_PX + 1));
    }
    // Rooms must fit their titles: widen the room's last zone.
    for (r, room) in rooms.iter().enumerate() {
        let gs: Vec<usize> = (0..groups).filter(|&g| group_keys[g].0 == r).collect();
        let inner: i64 = gs.iter().map(|&g| group_w[g] + 2 * FRAME_PAD).sum::<i64>()
            + ZONE_GAP * (gs.len() as i64 - 1);
        let need = text_width(room_title(room), NAME_PX + 1) + 8;
        if let Some(&last) = gs.last()
            && inner < need
        {
            group_w[last] += need - inner;
        }
    }
    // Horizontal placement of the frames.
    let mut group_x = vec![0i64; groups];
    let mut room_x: Vec<(i64, i64)> = vec![(0, 0); rooms.len()];
    let mut x = MARGIN;
    let mut right = MARGIN;
    for (r, _) in rooms.iter().enumerate() {
        if r > 0 && room_band[r] != room_band[r - 1] {
            x = MARGIN;
        }
        let start = x;
        x += FRAME_PAD;
        let mut first = true;
        for g in (0..groups).filter(|&g| group_keys[g].0 == r) {
            if !first {
                x += ZONE_GAP;
            }
            first = false;
            group_x[g] = x + FRAME_PAD;
            x += group_w[g] + 2 * FRAME_PAD;
        }
        x += FRAME_PAD;
        room_x[r] = (start, x);
        right = right.max(x);
        x += ROOM_GAP;
    }
    let width = (right + MARGIN).max(2 * MARGIN + 300);
    for (r, ks) in row_items.iter().enumerate() {
        for g in 0..groups {
            let in_g: Vec<usize> = ks
                .iter()
                .copied()
                .filter(|&k| items[k].group == g)
                .collect();
            let w = row_group_w.get(&(r, g)).copied().unwrap_or(0);
            let mut cx = group_x[g] + (group_w[g] - w) / 2;
            let mut prev: Option<usize> = None;
            for k in in_g {
                if let Some(p) = prev {
                    cx += gap_between(p, k);
                }
                items[k].x = cx;
                cx += items[k].width;
                prev = Some(k);
            }
        }
    }
    let centre = |k: usize| items[k].x + items[k].width / 2;

    // Link ends along each device side, ordered by where the other end lies.
    // (chain index, segment index, which end: 0 upper, 1 lower) → x.
    let mut end_x: BTreeMap<(usize, usize, usize), i64> = BTreeMap::new();
    let mut sides: BTreeMap<(usize, bool), Vec<SideEnd>> = BTreeMap::new();
    for (ci, c) in chains.iter().enumerate() {
        if side.contains_key(&ci) {
            continue;
        }
        let same_row = c.len() == 2 && items[c[0]].row == items[c[1]].row;
        for (si, w) in c.windows(2).enumerate() {
            // (item, bottom side?, other item, end)
            let ends = [(w[0], true, w[1], 0usize), (w[1], same_row, w[0], 1usize)];
            for (k, bottom, other, end) in ends {
                if items[k].device.is_some() {
                    sides
                        .entry((k, bottom))
                        .or_default()
                        .push((centre(other), ci, si, end));
                } else {
                    end_x.insert((ci, si, end), centre(k));
                }
            }
        }
    }
    for ((k, _), mut v) in sides {
        v.sort();
        let cnt = v.len() as i64;
        for (i, (_, ci, si, end)) in v.into_iter().enumerate() {
            let x = items[k].x + (i as i64 + 1) * items[k].width / (cnt + 1);
            end_x.insert((ci, si, end), x);
        }
    }

    // Channels below each row: bands for the labels, tracks for the horizontal runs.
    let port_text = |ci: usize, end_item: usize| -> Option<(String, String)> {
        let d = items[end_item].device?;
        let full = port_at(&links[ci], d).to_owned();
        Some((short_port(&full), full))
    };
    let mut upper_band = vec![0i64; rows];
    let mut lower_band = vec![0i64; rows];
    // (chain, segment) → track in its channel
    let mut track: BTreeMap<(usize, usize), i64> = BTreeMap::new();
    let mut tracks = vec![0i64; rows];
    // (order key, lo, hi, chain, segment)
    let mut per_channel: Vec<Vec<Run>> = vec![Vec::new(); rows];
    for (ci, c) in chains.iter().enumerate() {
        if side.contains_key(&ci) {
            continue;
        }
        let same_row = c.len() == 2 && items[c[0]].row == items[c[1]].row;
        for (si, w) in c.windows(2).enumerate() {
            let ch = items[w[0]].row;
            for (end, k) in [(0usize, w[0]), (1, w[1])] {
                if let Some((t, _)) = port_text(ci, k) {
                    let len = text_width(&t, PORT_PX) + 2 * LABEL_OFF;
                    if end == 0 || same_row {
                        upper_band[ch] = upper_band[ch].max(len);
                    } else {
                        lower_band[ch] = lower_band[ch].max(len);
                    }
                }
            }
            let (xa, xb) = (end_x[&(ci, si, 0)], end_x[&(ci, si, 1)]);
            // The order of the runs from the top that crosses least: loops back to the same row
            // first, the short inside the long; then runs to the right, the one starting
            // furthest right on top; then runs to the left, the one starting furthest left on top.
            let key = if same_row {
                (0, (xa - xb).abs())
            } else if xa < xb {
                (1, -xa)
            } else {
                (2, xa)
            };
            if xa != xb || same_row {
                per_channel[ch].push((key, xa.min(xb), xa.max(xb), ci, si));
            }
        }
    }
    for (ch, segs) in per_channel.iter_mut().enumerate() {
        segs.sort();
        // Each run goes below every run placed before it that it overlaps, and no two runs lie
        // on top of each other.
        let mut placed: Vec<(i64, i64, i64)> = Vec::new();
        for &(_, lo, hi, ci, si) in segs.iter() {
            let t = placed
                .iter()
                .filter(|(plo, phi, _)| *plo <= hi + TRACK && lo <= *phi + TRACK)
                .map(|(_, _, t)| t + 1)
                .max()
                .unwrap_or(0);
            placed.push((lo, hi, t));
            track.insert((ci, si), t);
            tracks[ch] = tracks[ch].max(t + 1);
        }
    }
    // Between two bands: the upper band's frames close, the lower band's open with their titles.
    let band_break = |ch: usize| {
        if ch + 1 < rows && band_of_row[ch] != band_of_row[ch + 1] {
            2 * FRAME_PAD + ROOM_GAP / 2 + ROOM_TITLE_H + ZONE_TITLE_H + 8
        } else {
            0
        }
    };
    let channel_h =
        |ch: usize| upper_band[ch] + (tracks[ch] + 1) * TRACK + band_break(ch) + lower_band[ch];
    let top = LEGEND_H + ROOM_TITLE_H + ZONE_TITLE_H + 8;
    let mut row_y = vec![0i64; rows];
    let mut y = top;
    for (r, ry) in row_y.iter_mut().enumerate() {
        *ry = y;
        y += BOX_H + channel_h(r).max(if r + 1 < rows { 4 * TRACK } else { 0 });
    }
    let content_bottom = y;
    let height = content_bottom + FRAME_PAD * 2 + MARGIN;
    let track_y = |ch: usize, t: i64| row_y[ch] + BOX_H + upper_band[ch] + (t + 1) * TRACK;

    // Paths and labels.
    let mut placed_links = Vec::new();
    for (ci, c) in chains.iter().enumerate() {
        let (_, _, l) = links[ci];
        let mut pts: Vec<(i64, i64)> = Vec::new();
        let mut labels = Vec::new();
        if let Some(&(left, right, nth)) = side.get(&ci) {
            // Straight across the gap, the port names above the line.
            let y = row_y[items[left].row] + BOX_H * (nth + 1) / 3;
            let (x0, x1) = (items[left].x + items[left].width, items[right].x);
            pts = vec![(x0, y), (x1, y)];
            for (k, at_left) in [(left, true), (right, false)] {
                if let Some((text, full)) = port_text(ci, k) {
                    let len = text_width(&text, PORT_PX);
                    let x = if at_left {
                        x0 + LABEL_OFF
                    } else {
                        x1 - LABEL_OFF - len
                    };
                    labels.push(PortLabel {
                        text,
                        full,
                        rect: Rect {
                            x,
                            y: y - 2 - PORT_PX - 1,
                            w: len,
                            h: PORT_PX + 1,
                        },
                        anchor: (x, y - 4),
                        angle: 0,
                    });
                }
            }
            // Drawn from a to b.
            if items[left].device != Some(links[ci].0) {
                pts.reverse();
            }
            placed_links.push(PlacedLink {
                a: l.a,
                b: l.b,
                state: l.state,
                points: pts,
                labels,
            });
            continue;
        }
        let same_row = c.len() == 2 && items[c[0]].row == items[c[1]].row;
        for (si, w) in c.windows(2).enumerate() {
            let ch = items[w[0]].row;
            let (xa, xb) = (end_x[&(ci, si, 0)], end_x[&(ci, si, 1)]);
            let ya = row_y[ch] + BOX_H;
            let yb = if same_row { ya } else { row_y[items[w[1]].row] };
            // From a passing slot, this continues the previous segment down through the row.
            pts.push((xa, ya));
            if let Some(&t) = track.get(&(ci, si)) {
                let ty = track_y(ch, t);
                pts.push((xa, ty));
                pts.push((xb, ty));
            }
            pts.push((xb, yb));
            for (end, k, x, yy) in [(0usize, w[0], xa, ya), (1, w[1], xb, yb)] {
                if let Some((text, full)) = port_text(ci, k) {
                    let len = text_width(&text, PORT_PX);
                    let downwards = end == 0 || same_row;
                    let (rect, anchor, angle) = if downwards {
                        (
                            Rect {
                                x: x + 3,
                                y: yy + LABEL_OFF,
                                w: PORT_PX + 2,
                                h: len,
                            },
                            (x + 5, yy + LABEL_OFF),
                            90,
                        )
                    } else {
                        (
                            Rect {
                                x: x + 3,
                                y: yy - LABEL_OFF - len,
                                w: PORT_PX + 2,
                                h: len,
                            },
                            (x + 3 + PORT_PX - 1, yy - LABEL_OFF),
                            -90,
                        )
                    };
                    labels.push(PortLabel {
                        text,
                        full,
                        rect,
                        anchor,
                        angle,
                    });
                }
            }
        }
        pts.dedup();
        // Drop points in the middle of a straight run.
        let mut simple: Vec<(i64, i64)> = Vec::new();
        for p in pts {
            if simple.len() >= 2 {
                let a = simple[simple.len() - 2];
                let b = simple[simple.len() - 1];
                if (a.0 == b.0 && b.0 == p.0) || (a.1 == b.1 && b.1 == p.1) {
                    simple.pop();
                }
            }
            simple.push(p);
        }
        // Drawn from a to b.
        if items[c[0]].device != Some(links[ci].0) {
            simple.reverse();
        }
        placed_links.push(PlacedLink {
            a: l.a,
            b: l.b,
            state: l.state,
            points: simple,
            labels,
        });
    }

    let placed_devices = items
        .iter()
        .filter_map(|it| {
            it.device.map(|i| PlacedDevice {
                device: devices[i].clone(),
                rect: Rect {
                    x: it.x,
                    y: row_y[it.row],
                    w: it.width,
                    h: BOX_H,
                },
            })
        })
        .collect();
    // Each band's frames: from above its titles to below its last channel's runs.
    let band_span = |b: usize| -> (i64, i64) {
        let first = band_of_row.iter().position(|&x| x == b).unwrap_or(0);
        let last = band_of_row.iter().rposition(|&x| x == b).unwrap_or(0);
        let above = if first > 0 { lower_band[first - 1] } else { 0 };
        let top = row_y[first] - above - (ROOM_TITLE_H + ZONE_TITLE_H + 8);
        let bottom = if last + 1 == rows {
            content_bottom + FRAME_PAD
        } else {
            row_y[last] + BOX_H + upper_band[last] + (tracks[last] + 1) * TRACK + FRAME_PAD
        };
        (top, bottom)
    };
    let mut frames = Vec::new();
    for (r, room) in rooms.iter().enumerate() {
        let (frame_top, frame_bottom) = band_span(room_band[r]);
        frames.push(Frame {
            title: room_title(room).to_owned(),
            rect: Rect {
                x: room_x[r].0,
                y: frame_top,
                w: room_x[r].1 - room_x[r].0,
                h: frame_bottom + FRAME_PAD - frame_top,
            },
            zone: None,
        });
        for g in (0..groups).filter(|&g| group_keys[g].0 == r) {
            frames.push(Frame {
                title: zone_title(group_keys[g].2).to_owned(),
                rect: Rect {
                    x: group_x[g] - FRAME_PAD,
                    y: frame_top + ROOM_TITLE_H,
                    w: group_w[g] + 2 * FRAME_PAD,
                    h: frame_bottom - frame_top - ROOM_TITLE_H,
                },
                zone: Some(group_keys[g].2.to_owned()),
            });
        }
    }
    Layout {
        width,
        height,
        devices: placed_devices,
        links: placed_links,
        frames,
        passes: items.iter().filter(|it| it.device.is_none()).count(),
    }
}

/// A sort key that puts 「2楼」 before 「10楼」: runs of digits compare as numbers.
fn natural(s: &str) -> Vec<(u8, u64, String)> {
    let mut out = Vec::new();
    let mut digits = String::new();
    let mut text = String::new();
    for c in s.chars().chain(std::iter::once('\0')) {
        if c.is_ascii_digit() {
            if !text.is_empty() {
                out.push((1, 0, std::mem::take(&mut text)));
            }
            digits.push(c);
        } else {
            if !digits.is_empty() {
                let n = digits.parse::<u64>().unwrap_or(u64::MAX);
                out.push((0, n, std::mem::take(&mut digits)));
            }
            if c != '\0' {
                text.push(c);
            }
        }
    }
    if !text.is_empty() {
        out.push((1, 0, text));
    }
    out
}

/// The smallest ISO paper, landscape, on which the drawing prints at 60 % of its size or more
/// (13 px names stay above 5.5 pt); A0 when none does. Port names stay legible on the wall of
/// the machine room only at such sizes.
pub fn paper_for(l: &Layout) -> &'static str {
    // One px of the drawing is 0.75 pt = 0.2646 mm at full size. Margins 10 mm, title 20 mm.
    let (w, h) = (l.width as f64 * 0.2646, l.height as f64 * 0.2646);
    for (name, pw, ph) in [
        ("a3", 420.0, 297.0),
        ("a2", 594.0, 420.0),
        ("a1", 841.0, 594.0),
    ] {
        let scale = ((pw - 20.0) / w).min((ph - 40.0) / h);
        if scale >= 0.6 {
            return name;
        }
    }
    "a0"
}

fn room_title(room: &str) -> &str {
    if room.trim().is_empty() {
        "未填写位置"
    } else {
        room
    }
}

fn zone_title(zone: &str) -> &str {
    if zone.trim().is_empty() {
        "未填写网络"
    } else {
        zone
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Colours of a zone: frame tint and device fill.
fn zone_colours(zone: &str) -> (&'static str, &'static str) {
    match zone {
        "内网" => ("#f3f7fd", "#e3edfb"),
        "政务网" => ("#fdf8ef", "#fbebcd"),
        "互联网" => ("#fdf3f3", "#f9dede"),
        _ => ("#f7f7f7", "#ececec"),
    }
}

fn stroke(state: LinkState) -> &'static str {
    match state {
        LinkState::Up => r##"stroke="#2e8b57" stroke-width="2""##,
        LinkState::Down => r##"stroke="#d62728" stroke-width="2.5""##,
        LinkState::Unconfirmed => r##"stroke="#7a7a7a" stroke-width="2" stroke-dasharray="7 4""##,
    }
}

/// Draw a layout as a standalone SVG document.
pub fn svg(l: &Layout) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, sans-serif"><rect width="{w}" height="{h}" fill="#ffffff"/>"##,
        w = l.width,
        h = l.height
    );
    // Legend.
    let mut lx = MARGIN;
    for (state, text) in [
        (LinkState::Up, "连接"),
        (LinkState::Down, "中断"),
        (LinkState::Unconfirmed, "发现待确认"),
    ] {
        let _ = write!(
            s,
            r##"<path d="M{} 15 H{}" fill="none" {}/><text x="{}" y="19" font-size="11" fill="#333">{}</text>"##,
            lx,
            lx + 28,
            stroke(state),
            lx + 34,
            text
        );
        lx += 34 + text_width(text, 11) + 22;
    }
    for f in &l.frames {
        let r = f.rect;
        match &f.zone {
            None => {
                let _ = write!(
                    s,
                    r##"<rect x="{}" y="{}" width="{}" height="{}" rx="8" fill="none" stroke="#8a8a8a" stroke-width="1.5"/><text x="{}" y="{}" font-size="{}" font-weight="bold" fill="#333">{}</text>"##,
                    r.x,
                    r.y,
                    r.w,
                    r.h,
                    r.x + 10,
                    r.y + 18,
                    NAME_PX + 1,
                    esc(&f.title)
                );
            }
            Some(z) => {
                let (tint, _) = zone_colours(z);
                let _ = write!(
                    s,
                    r##"<rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="{tint}" stroke="#c4c4c4" stroke-dasharray="5 3"/><text x="{}" y="{}" font-size="{}" fill="#555">{}</text>"##,
                    r.x,
                    r.y,
                    r.w,
                    r.h,
                    r.x + 8,
                    r.y + 16,
                    SUB_PX + 1,
                    esc(&f.title)
                );
            }
        }
    }
    for pl in &l.links {
        let mut d = String::new();
        for (i, (x, y)) in pl.points.iter().enumerate() {
            let _ = write!(d, "{}{x} {y}", if i == 0 { "M" } else { " L" });
        }
        let _ = write!(
            s,
            r##"<path d="{d}" fill="none" stroke-linejoin="round" {}/>"##,
            stroke(pl.state)
        );
    }
    for pl in &l.links {
        for lb in &pl.labels {
            let (x, y) = lb.anchor;
            let _ = write!(
                s,
                r##"<text x="{x}" y="{y}" font-size="{PORT_PX}" fill="#333" transform="rotate({} {x} {y})"><title>{}</title>{}</text>"##,
                lb.angle,
                esc(&lb.full),
                esc(&lb.text)
            );
        }
    }
    for pd in &l.devices {
        let r = pd.rect;
        let (_, fill) = zone_colours(&pd.device.zone);
        let border = if pd.device.down {
            r##"stroke="#d62728" stroke-width="2.5""##
        } else {
            r##"stroke="#3a6ea5" stroke-width="1.2""##
        };
        let _ = write!(
            s,
            r##"<g><rect x="{}" y="{}" width="{}" height="{}" rx="5" fill="{fill}" {border}/><text x="{}" y="{}" font-size="{NAME_PX}" font-weight="bold" text-anchor="middle" fill="#111">{}</text><text x="{}" y="{}" font-size="{SUB_PX}" text-anchor="middle" fill="#555">{}</text></g>"##,
            r.x,
            r.y,
            r.w,
            r.h,
            r.x + r.w / 2,
            r.y + 19,
            esc(&pd.device.name),
            r.x + r.w / 2,
            r.y + 35,
            esc(&pd.device.sub)
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn check(l: &Layout, devices: &[Device], links: &[Link]) {
        let faults = l.faults(devices, links);
        assert!(faults.is_empty(), "{faults:#?}");
    }

    fn dev(id: i64, name: &str, room: &str, zone: &str, role: Role) -> Device {
        Device {
            id,
            name: name.into(),
            sub: format!("设备 10.0.0.{id}"),
            room: room.into(),
            zone: zone.into(),
            zone_rank: match zone {
                "互联网" => 0,
                "内网" => 1,
                _ => 2,
            },
            role,
            down: false,
        }
    }

    fn link(a: i64, ap: &str, b: i64, bp: &str, state: LinkState) -> Link {
        Link {
            a,
            a_port: ap.into(),
            b,
            b_port: bp.into(),
            state,
        }
    }

    /// A small machine room: two cores, a firewall on the internet side, a government access
    /// switch, a server; one link down, one discovered and unconfirmed.
    fn small() -> (Vec<Device>, Vec<Link>) {
        let room = "主机房";
        let devices = vec![
            dev(1, "核心交换机1", room, "内网", Role::Core),
            dev(2, "核心交换机2", room, "内网", Role::Core),
            dev(3, "互联网防火墙", room, "互联网", Role::Edge),
            dev(4, "政务网接入", room, "政务网", Role::Access),
            dev(5, "HIS 数据库", room, "内网", Role::Edge),
            dev(6, "门诊楼接入", "门诊楼弱电间", "内网", Role::Access),
        ];
        let links = vec![
            link(
                1,
                "XGigabitEthernet1/0/1",
                2,
                "XGigabitEthernet1/0/1",
                LinkState::Up,
            ),
            link(1, "GigabitEthernet2/0/1", 3, "GE1/0/1", LinkState::Up),
            link(
                2,
                "GigabitEthernet3/0/1",
                4,
                "GigabitEthernet1/0/48",
                LinkState::Down,
            ),
            link(1, "GigabitEthernet2/0/2", 5, "bond0", LinkState::Up),
            link(
                2,
                "GigabitEthernet2/0/2",
                6,
                "上联口1",
                LinkState::Unconfirmed,
            ),
            link(5, "eth1", 6, "GE0/0/3", LinkState::Up),
        ];
        (devices, links)
    }

    #[test]
    fn small_topology_keeps_its_promises_and_its_picture() {
        let (d, k) = small();
        let l = layout(&d, &k);
        check(&l, &d, &k);
        // The cores on top; the room holding them first.
        let y = |id: i64| l.devices.iter().find(|p| p.device.id == id).unwrap().rect.y;
        assert!(y(1) == y(2) && y(1) < y(3) && y(3) == y(5));
        assert_eq!(y(6), y(5), "one hop from a core: the second row");
        assert_eq!(l.frames[0].title, "主机房");
        insta::assert_snapshot!(svg(&l));
    }

    #[test]
    fn paper_grows_with_the_drawing() {
        let (d, k) = small();
        assert_eq!(paper_for(&layout(&d, &k)), "a3");
        let mut big = layout(&d, &k);
        big.width = 4000;
        big.height = 1200;
        assert_eq!(paper_for(&big), "a1");
        big.width = 20_000;
        assert_eq!(paper_for(&big), "a0");
    }

    #[test]
    fn floors_sort_by_number() {
        let mut v = ["住院楼10楼接入", "住院楼2楼接入", "住院楼1楼接入"];
        v.sort_by_key(|s| natural(s));
        assert_eq!(v, ["住院楼1楼接入", "住院楼2楼接入", "住院楼10楼接入"]);
    }

    #[test]
    fn text_width_is_generous_for_cjk() {
        assert_eq!(text_width("核心", 10), 20);
        assert_eq!(text_width("GE1/0/1", 10), 44);
        assert_eq!(short_port("GigabitEthernet2/0/1"), "GE2/0/1");
        assert_eq!(short_port("XGigabitEthernet1/0/1"), "XGE1/0/1");
        assert_eq!(short_port("bond0"), "bond0");
    }

    #[test]
    fn a_wide_row_wraps_and_links_pass_between_devices() {
        // One core with 30 access switches in one zone: they wrap onto several rows, and the
        // links to the lower rows pass through reserved slots.
        let mut d = vec![dev(1, "核心", "机房", "内网", Role::Core)];
        let mut k = Vec::new();
        for i in 2..32 {
            d.push(dev(i, &format!("接入{i}"), "机房", "内网", Role::Access));
            k.push(link(1, &format!("GE1/0/{i}"), i, "GE0/0/1", LinkState::Up));
        }
        let l = layout(&d, &k);
        check(&l, &d, &k);
        let rows: BTreeSet<i64> = l.devices.iter().map(|p| p.rect.y).collect();
        assert!(rows.len() >= 4, "{rows:?}");
    }

    fn arb_topology() -> impl Strategy<Value = (Vec<Device>, Vec<Link>)> {
        let rooms = ["主机房", "门诊楼弱电间", ""];
        let zones = ["内网", "政务网", "互联网", ""];
        let roles = [Role::Core, Role::Aggregation, Role::Access, Role::Edge];
        (1usize..45).prop_flat_map(move |n| {
            (
                proptest::collection::vec(
                    (0usize..3, 0usize..4, 0usize..4, "[a-zA-Z核心交换机 ]{1,14}"),
                    n,
                ),
                proptest::collection::vec(
                    (
                        0..n,
                        0..n,
                        "[A-Za-z]{0,16}[0-9/]{0,6}",
                        "[上联口A-Za-z0-9/]{0,10}",
                        0usize..3,
                    ),
                    0..(2 * n + 1),
                ),
            )
                .prop_map(move |(ds, ls)| {
                    let devices: Vec<Device> = ds
                        .into_iter()
                        .enumerate()
                        .map(|(i, (r, z, ro, name))| {
                            let mut d = dev(i as i64 + 1, &name, rooms[r], zones[z], roles[ro]);
                            d.down = i % 7 == 3;
                            d
                        })
                        .collect();
                    let links = ls
                        .into_iter()
                        .map(|(a, b, ap, bp, s)| {
                            link(
                                a as i64 + 1,
                                &ap,
                                b as i64 + 1,
                                &bp,
                                [LinkState::Up, LinkState::Down, LinkState::Unconfirmed][s],
                            )
                        })
                        .collect();
                    (devices, links)
                })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(120))]
        #[test]
        fn any_topology_keeps_the_promises((d, k) in arb_topology()) {
            let l = layout(&d, &k);
            check(&l, &d, &k);
            // Every variant tried keeps them too, not only the one chosen.
            for (per_row, bands) in [(4, 2), (5, 3), (14, 1)] {
                check(&layout_with(&d, &k, per_row, bands), &d, &k);
            }
            // Same data, same picture.
            prop_assert_eq!(svg(&l), svg(&layout(&d, &k)));
        }
    }

    /// A hundred devices the way a larger hospital has them: two cores; per building an
    /// aggregation switch on both cores and its floor switches; servers on two server switches;
    /// an internet edge chain; one link down and one discovery unconfirmed.
    pub(crate) fn hundred() -> (Vec<Device>, Vec<Link>) {
        let mut d = vec![
            dev(1, "核心交换机1", "主机房", "内网", Role::Core),
            dev(2, "核心交换机2", "主机房", "内网", Role::Core),
            dev(3, "服务器区交换机1", "主机房", "内网", Role::Access),
            dev(4, "服务器区交换机2", "主机房", "内网", Role::Access),
        ];
        let mut k = vec![
            link(
                1,
                "XGigabitEthernet1/0/1",
                2,
                "XGigabitEthernet1/0/1",
                LinkState::Up,
            ),
            link(
                1,
                "XGigabitEthernet1/0/5",
                3,
                "Ten-GigabitEthernet1/0/49",
                LinkState::Up,
            ),
            link(
                2,
                "XGigabitEthernet1/0/5",
                4,
                "Ten-GigabitEthernet1/0/49",
                LinkState::Up,
            ),
        ];
        let mut id = 5;
        for (i, name) in ["防火墙", "入侵防御", "上网行为管理", "出口路由器"]
            .iter()
            .enumerate()
        {
            d.push(dev(id, name, "主机房", "互联网", Role::Edge));
            let (up, port) = if i == 0 {
                (1, "GE2/0/1")
            } else {
                (id - 1, "eth2")
            };
            k.push(link(up, port, id, "eth1", LinkState::Up));
            id += 1;
        }
        for s in 0..38 {
            d.push(dev(
                id,
                &format!("业务服务器{s}"),
                "主机房",
                "内网",
                Role::Edge,
            ));
            k.push(link(
                3 + s % 2,
                &format!("GE1/0/{s}"),
                id,
                "bond0",
                LinkState::Up,
            ));
            id += 1;
        }
        for (b, (building, floors)) in [
            ("门诊楼", 14),
            ("住院楼", 22),
            ("医技楼", 10),
            ("行政楼", 8),
        ]
        .into_iter()
        .enumerate()
        {
            let room = format!("{building}弱电间");
            let agg = id;
            d.push(dev(
                agg,
                &format!("{building}汇聚"),
                &room,
                "内网",
                Role::Access,
            ));
            k.push(link(
                1,
                &format!("XGE3/0/{b}"),
                agg,
                "XGE0/0/1",
                LinkState::Up,
            ));
            k.push(link(
                2,
                &format!("XGE4/0/{b}"),
                agg,
                "XGE0/0/2",
                LinkState::Up,
            ));
            id += 1;
            for f in 1..floors {
                d.push(dev(
                    id,
                    &format!("{building}{f}楼接入"),
                    &room,
                    "内网",
                    Role::Access,
                ));
                let state = match (b, f) {
                    (1, 3) => LinkState::Down,
                    (2, 5) => LinkState::Unconfirmed,
                    _ => LinkState::Up,
                };
                k.push(link(agg, &format!("GE0/0/{f}"), id, "XGE0/0/1", state));
                id += 1;
            }
        }
        (d, k)
    }

    #[test]
    fn a_hundred_devices_keep_the_promises() {
        let (d, k) = hundred();
        assert_eq!(d.len(), 100);
        let l = layout(&d, &k);
        check(&l, &d, &k);
        // Every room drawn, and the drawing stays printable.
        assert_eq!(l.frames.iter().filter(|f| f.zone.is_none()).count(), 5);
        assert_ne!(paper_for(&l), "a0", "{}×{}", l.width, l.height);
        if let Ok(path) = std::env::var("YIQIAO_TOPOLOGY_SVG") {
            std::fs::write(format!("{path}.100.svg"), svg(&l)).unwrap();
        }
    }
}
