"""Named errors of the venue (rooms, bookings, reception desk, duty roster): stable codes, zh + en messages."""

from __future__ import annotations

from ggzy.kit.errors import DomainError


class CentreOnly(DomainError):
    status = 403
    code = "venue.centre_only"
    message_zh = "只有交易中心工作人员可以管理场地、来访登记和值班"
    message_en = "Only centre staff may manage the venue, the reception desk and the duty roster"


# ---------------------------------------------------------------- rooms and bookings


class RoomNotFound(DomainError):
    status = 404
    code = "venue.room_not_found"
    message_zh = "找不到该场地"
    message_en = "Room not found"


class RoomInvalid(DomainError):
    status = 422
    code = "venue.room_invalid"
    message_zh = "场地信息有误"
    message_en = "The room's details are invalid"


class RoomCodeTaken(DomainError):
    status = 409
    code = "venue.room_code_taken"
    message_zh = "该场地编号已存在"
    message_en = "A room with this code already exists"


class BookingNotFound(DomainError):
    status = 404
    code = "venue.booking_not_found"
    message_zh = "找不到该场次"
    message_en = "Booking not found"


class BookingInvalid(DomainError):
    status = 422
    code = "venue.booking_invalid"
    message_zh = "场次信息有误"
    message_en = "The booking's details are invalid"


class BadBookingTransition(DomainError):
    status = 409
    code = "venue.bad_transition"
    message_zh = "该场次当前状态不允许此操作"
    message_en = "The booking's current status does not allow this"


class RoomTaken(DomainError):
    status = 409
    code = "venue.room_taken"
    message_zh = "该场地在此时段已被占用（含场次间消毒时间）"
    message_en = "The room is taken at that time (the disinfection gap between sessions included)"


class RoomUnsuitable(DomainError):
    status = 409
    code = "venue.room_unsuitable"
    message_zh = "该场地不适合此场次（类型、座位或设备不符，或已停用）"
    message_en = "The room does not suit this session (kind, seats or equipment), or it is out of use"


class BookingInPast(DomainError):
    status = 409
    code = "venue.booking_in_past"
    message_zh = "已结束的场次不能再更改"
    message_en = "A session that has ended can no longer be changed"


# ---------------------------------------------------------------- reception desk


class IdNumberInvalid(DomainError):
    status = 422
    code = "venue.id_number_invalid"
    message_zh = "身份证号码无效"
    message_en = "The ID number is not valid"


class ScanUnreadable(DomainError):
    status = 422
    code = "venue.scan_unreadable"
    message_zh = "无法从扫描内容中读出姓名和身份证号码，请手工录入"
    message_en = "No name and ID number could be read from the scanner text; type them in"


class VisitorInvalid(DomainError):
    status = 422
    code = "venue.visitor_invalid"
    message_zh = "来访登记信息有误"
    message_en = "The visitor's details are invalid"


class TemperatureImplausible(DomainError):
    status = 422
    code = "venue.temperature_implausible"
    message_zh = "体温读数不合理（应在 34.0–43.0 °C 之间），请重新测量"
    message_en = "The temperature reading is implausible (34.0–43.0 °C); measure again"


class HealthCodeRequired(DomainError):
    status = 422
    code = "venue.health_code_required"
    message_zh = "本中心要求查验健康码，请选择健康码状态"
    message_en = "The centre requires a health code: choose its status"


class SessionOver(DomainError):
    status = 409
    code = "venue.session_over"
    message_zh = "该场次已结束或已取消，不能登记进入"
    message_en = "That session has ended or was cancelled; no one can be registered for it"


class VisitorNotFound(DomainError):
    status = 404
    code = "venue.visitor_not_found"
    message_zh = "找不到该来访记录"
    message_en = "Visitor record not found"


# ---------------------------------------------------------------- duty roster


class ShiftInvalid(DomainError):
    status = 422
    code = "venue.shift_invalid"
    message_zh = "值班安排有误"
    message_en = "The duty shift is invalid"


class ShiftOverlap(DomainError):
    status = 409
    code = "venue.shift_overlap"
    message_zh = "值班时间与已有安排冲突"
    message_en = "The shift overlaps an existing one"


class ShiftNotFound(DomainError):
    status = 404
    code = "venue.shift_not_found"
    message_zh = "找不到该值班安排"
    message_en = "Duty shift not found"


class ShiftStarted(DomainError):
    status = 409
    code = "venue.shift_started"
    message_zh = "已开始的值班不能删除"
    message_en = "A shift that has started cannot be removed"


class NotYourShift(DomainError):
    status = 403
    code = "venue.not_your_shift"
    message_zh = "只有本班值班人员（或中心管理员）可以填写交接班记录"
    message_en = "Only the person on this shift (or a centre administrator) may write its hand-over note"


class ShiftNotStarted(DomainError):
    status = 409
    code = "venue.shift_not_started"
    message_zh = "值班开始后才能填写交接班记录"
    message_en = "A hand-over note can be written once the shift has started"


class AlertNotFound(DomainError):
    status = 404
    code = "venue.alert_not_found"
    message_zh = "找不到该告警"
    message_en = "Alert not found"
