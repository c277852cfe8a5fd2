//! Tickets (取号记录), their state machine, and the receivable (托收) of each ticket.

use super::BookingError;

/// 取号渠道
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// 安诊儿 (through 健康台州)
    Anzhener,
    /// 健康台州 itself
    JiankangTaizhou,
    /// 挂号窗口
    Window,
    /// 自助机
    Kiosk,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Anzhener,
        Channel::JiankangTaizhou,
        Channel::Window,
        Channel::Kiosk,
    ];
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Anzhener => "anzhener",
            Channel::JiankangTaizhou => "jiankang_taizhou",
            Channel::Window => "window",
            Channel::Kiosk => "kiosk",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Channel::Anzhener => "安诊儿",
            Channel::JiankangTaizhou => "健康台州",
            Channel::Window => "窗口",
            Channel::Kiosk => "自助机",
        }
    }
    /// May the city platform take numbers on this channel?
    pub fn is_platform(self) -> bool {
        matches!(self, Channel::Anzhener | Channel::JiankangTaizhou)
    }
}

/// 取号记录状态
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TicketState {
    /// 已取号
    Taken,
    /// 已报到
    CheckedIn,
    /// 已就诊
    Visited,
    /// 已取消 (by the patient or the platform)
    Cancelled,
    /// 医院停诊取消
    CancelledByHospital,
    /// 爽约
    NoShow,
}

impl TicketState {
    pub const ALL: [TicketState; 6] = [
        TicketState::Taken,
        TicketState::CheckedIn,
        TicketState::Visited,
        TicketState::Cancelled,
        TicketState::CancelledByHospital,
        TicketState::NoShow,
    ];
    pub fn parse(s: &str) -> Option<TicketState> {
        TicketState::ALL.into_iter().find(|t| t.as_str() == s)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Taken => "taken",
            TicketState::CheckedIn => "checked_in",
            TicketState::Visited => "visited",
            TicketState::Cancelled => "cancelled",
            TicketState::CancelledByHospital => "cancelled_by_hospital",
            TicketState::NoShow => "no_show",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TicketState::Taken => "已取号",
            TicketState::CheckedIn => "已报到",
            TicketState::Visited => "已就诊",
            TicketState::Cancelled => "已取消",
            TicketState::CancelledByHospital => "停诊取消",
            TicketState::NoShow => "爽约",
        }
    }
    /// A live ticket holds its place: it counts against "one per schedule" and the daily limit.
    pub fn is_live(self) -> bool {
        !matches!(
            self,
            TicketState::Cancelled | TicketState::CancelledByHospital
        )
    }
    /// The states a ticket may move to from this one.
    pub fn next(self) -> &'static [TicketState] {
        match self {
            TicketState::Taken => &[
                TicketState::CheckedIn,
                TicketState::Cancelled,
                TicketState::CancelledByHospital,
                TicketState::NoShow,
            ],
            TicketState::CheckedIn => &[TicketState::Visited, TicketState::CancelledByHospital],
            _ => &[],
        }
    }
    /// Check a move; the refusal names both states.
    pub fn to(self, to: TicketState) -> Result<TicketState, BookingError> {
        if self.next().contains(&to) {
            Ok(to)
        } else if matches!(
            self,
            TicketState::Cancelled | TicketState::CancelledByHospital
        ) && to == TicketState::Cancelled
        {
            Err(BookingError::AlreadyCancelled(self.label().to_owned()))
        } else {
            Err(BookingError::NotAllowed(format!(
                "取号记录状态为「{}」，不能变为「{}」",
                self.label(),
                to.label()
            )))
        }
    }
    /// Does the platform hear about this state (`ticket.status` notice)?
    pub fn notifies(self) -> bool {
        matches!(
            self,
            TicketState::Taken
                | TicketState::CheckedIn
                | TicketState::Visited
                | TicketState::NoShow
                | TicketState::CancelledByHospital
        )
    }
}

/// 托收 (receivable) states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReceivableState {
    /// 未收: created with the ticket.
    Unpaid,
    /// 已入账: posted to the patient's visit at check-in.
    Posted,
    /// 已结算: the HIS reported the visit's settlement.
    Settled,
    /// 已核销: written off by a person, with a reason.
    WrittenOff,
    /// 作废: the ticket was cancelled before the visit; nothing is owed.
    Void,
}

impl ReceivableState {
    pub const ALL: [ReceivableState; 5] = [
        ReceivableState::Unpaid,
        ReceivableState::Posted,
        ReceivableState::Settled,
        ReceivableState::WrittenOff,
        ReceivableState::Void,
    ];
    pub fn parse(s: &str) -> Option<ReceivableState> {
        ReceivableState::ALL.into_iter().find(|t| t.as_str() == s)
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ReceivableState::Unpaid => "unpaid",
            ReceivableState::Posted => "posted",
            ReceivableState::Settled => "settled",
            ReceivableState::WrittenOff => "written_off",
            ReceivableState::Void => "void",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ReceivableState::Unpaid => "未收",
            ReceivableState::Posted => "已入账",
            ReceivableState::Settled => "已结算",
            ReceivableState::WrittenOff => "已核销",
            ReceivableState::Void => "作废",
        }
    }
    pub fn next(self) -> &'static [ReceivableState] {
        match self {
            ReceivableState::Unpaid => &[
                ReceivableState::Posted,
                ReceivableState::WrittenOff,
                ReceivableState::Void,
            ],
            ReceivableState::Posted => &[ReceivableState::Settled, ReceivableState::WrittenOff],
            _ => &[],
        }
    }
    pub fn can(self, to: ReceivableState) -> bool {
        self.next().contains(&to)
    }
}

/// 取号凭条号: `T` + the visit date + `-` + the number of the day, e.g. `T20261129-0412`.
pub fn ticket_no(date: chrono::NaiveDate, n: i64) -> String {
    format!("T{}-{n:04}", date.format("%Y%m%d"))
}

/// The text of the QR code printed on a ticket: `YQTK:` + ticket number.
pub fn qr_text(ticket_no: &str) -> String {
    format!("YQTK:{ticket_no}")
}

/// The ticket number inside a scanned QR text (or the text itself, trimmed, when it is a
/// ticket number already).
pub fn ticket_no_from_scan(scan: &str) -> &str {
    let s = scan.trim();
    s.strip_prefix("YQTK:").unwrap_or(s).trim()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn state_machine() {
        use TicketState::*;
        assert_eq!(Taken.to(CheckedIn), Ok(CheckedIn));
        assert_eq!(CheckedIn.to(Visited), Ok(Visited));
        assert!(Taken.to(Visited).is_err());
        assert!(matches!(
            Cancelled.to(Cancelled),
            Err(BookingError::AlreadyCancelled(_))
        ));
        assert!(matches!(
            NoShow.to(CheckedIn),
            Err(BookingError::NotAllowed(_))
        ));
        assert!(!Cancelled.is_live() && !CancelledByHospital.is_live());
        assert!(Taken.is_live() && NoShow.is_live());
        for s in TicketState::ALL {
            assert_eq!(TicketState::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn receivable_moves() {
        use ReceivableState::*;
        assert!(Unpaid.can(Posted) && Posted.can(Settled) && Posted.can(WrittenOff));
        assert!(!Settled.can(WrittenOff) && !Void.can(Posted) && !Unpaid.can(Settled));
    }

    #[test]
    fn ticket_numbers_and_qr() {
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let no = ticket_no(d, 412);
        assert_eq!(no, "T20261129-0412");
        assert_eq!(ticket_no_from_scan(&qr_text(&no)), no);
        assert_eq!(ticket_no_from_scan(" T20261129-0412 "), no);
    }
}
