"""Reading name and ID number out of a card reader's or OCR's text (venue.scan; pure)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from ggzy.kit.idcard import make_id_number
from ggzy.venue.scan import ScanError, parse_scan

NUMBER = make_id_number("330102", date(1990, 1, 1), 123)
X_NUMBER = next(n for s in range(1, 999) if (n := make_id_number("330102", date(1990, 1, 1), s)).endswith("X"))


@pytest.mark.parametrize(("text", "name", "number"), [
    # OCR of the card: labelled lines, spaced digits, the birth line agreeing with the number.
    (f"姓名 张三\n性别 男 民族 汉\n出生 1990 年 1 月 1 日\n住址 浙江省杭州市上城区解放路1号\n公民身份号码 {NUMBER}",
     "张三", NUMBER),
    (f"姓名张三性别男\n公民身份号码 {NUMBER[:6]} {NUMBER[6:14]} {NUMBER[14:]}", "张三", NUMBER),
    # Card readers: fields separated by |, a JSON document, full-width digits, a lower-case x.
    (f"姓名:李四|性别:女|民族:汉|出生:19900101|地址:杭州|身份证号:{NUMBER}|签发机关:杭州市公安局", "李四", NUMBER),
    (json.dumps({"name": "王五", "idNumber": NUMBER, "sex": "男"}, ensure_ascii=False), "王五", NUMBER),
    (f"姓名：赵六\n公民身份号码：{NUMBER.translate(str.maketrans('0123456789', '０１２３４５６７８９'))}",
     "赵六", NUMBER),
    (f"孙七 {X_NUMBER[:-1]}x", "孙七", X_NUMBER),
    (f"姓名 买买提·艾力\n公民身份号码 {NUMBER}", "买买提·艾力", NUMBER),
    # A name alone on a line (no label), then the number.
    (f"居民身份证\n周八\n{NUMBER}", "周八", NUMBER),
])
def test_reads_name_and_number(text: str, name: str, number: str) -> None:
    found = parse_scan(text)
    assert (found.name, found.id_number) == (name, number)


@pytest.mark.parametrize(("text", "reason"), [
    ("", "no_id_number"),
    ("姓名 张三\n性别 男", "no_id_number"),
    (f"公民身份号码 {NUMBER}", "no_name"),
    (json.dumps({"name": "王五"}), "no_id_number"),
    (json.dumps({"idNumber": NUMBER}), "no_name"),
    # OCR misread a digit of the birth date: the printed date and the number disagree.
    (f"姓名 张三\n出生 1990 年 1 月 7 日\n公民身份号码 {NUMBER}", "birth_mismatch"),
])
def test_says_what_it_could_not_read(text: str, reason: str) -> None:
    with pytest.raises(ScanError) as caught:
        parse_scan(text)
    assert caught.value.reason == reason
