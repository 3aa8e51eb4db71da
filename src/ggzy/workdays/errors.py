"""Named errors of the working-day calendar."""

from ggzy.kit.errors import DomainError


class CalendarInvalid(DomainError):
    status = 422
    code = "workdays.invalid"
    message_zh = "节假日安排有误"
    message_en = "Invalid holiday schedule"


class DayOutsideYear(CalendarInvalid):
    code = "workdays.day_outside_year"
    message_zh = "日期不属于所填年份"
    message_en = "A date does not belong to the year being entered"


class DuplicateDay(CalendarInvalid):
    code = "workdays.duplicate_day"
    message_zh = "同一日期填写了两次"
    message_en = "The same date is listed twice"

