"""Sentence splitting and speakable text: Vietnamese abbreviations, numbers, dates."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radiocast.seeds import read_article
from radiocast.speech import split_paragraphs
from radiocast.speech._sentences import number_words, speakable, split_sentences

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_8d475bc5d7e1daab.txt"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ông đến. Bà về! Ai hỏi? Không ai…", ["Ông đến.", "Bà về!", "Ai hỏi?", "Không ai…"]),
        (
            "TP. Sa Đéc có 1.500 hộ. Tỷ lệ 3,5% vào 19/12/2021.",
            ["TP. Sa Đéc có 1.500 hộ.", "Tỷ lệ 3,5% vào 19/12/2021."],
        ),
        ("PGS.TS. Trần C đến. Th.S Lê D về.", ["PGS.TS. Trần C đến.", "Th.S Lê D về."]),
        ("TS. Hà và BS. Lan, GS. Minh, ThS. Hoa dự. Xong.", ["TS. Hà và BS. Lan, GS. Minh, ThS. Hoa dự.", "Xong."]),
        ("Ông Nguyễn V. A nói. Bà B đáp.", ["Ông Nguyễn V. A nói.", "Bà B đáp."]),
        ("Ở Q. 1 và P. 3 đông. Kế tiếp.", ["Ở Q. 1 và P. 3 đông.", "Kế tiếp."]),
        ("Ông hỏi: “Tại sao?” Bà đáp: “Vì vậy.” Hết.", ["Ông hỏi: “Tại sao?”", "Bà đáp: “Vì vậy.”", "Hết."]),
        ("Anh nói “được”... rồi đi. Hết", ["Anh nói “được”... rồi đi.", "Hết"]),
        ("Ông hỏi “vì sao?” rồi im. Hết.", ["Ông hỏi “vì sao?” rồi im.", "Hết."]),
        ("(Xem thêm.) Tiếp theo.", ["(Xem thêm.)", "Tiếp theo."]),
        ("Đội ngũ CB,CC,VC và UBND xã. Năm 2021.", ["Đội ngũ CB,CC,VC và UBND xã.", "Năm 2021."]),
        ("Câu một?!  Câu hai.\nCâu ba", ["Câu một?!", "Câu hai.", "Câu ba"]),
        ("Lúc 06:08 ngày 19.12.2021 có 1.500.000 đồng.", ["Lúc 06:08 ngày 19.12.2021 có 1.500.000 đồng."]),
        ("", []),
        ("   \n  ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_paragraphs_always_end_sentences() -> None:
    found = split_paragraphs(["Đoạn một không có dấu chấm", "", "Đoạn hai. Câu hai", "Đoạn ba."])
    assert found.sentences == ("Đoạn một không có dấu chấm", "Đoạn hai.", "Câu hai", "Đoạn ba.")
    assert found.paragraph_breaks == {1, 3}


def test_seed_sentences_keep_abbreviations_whole() -> None:
    article = read_article(SEED, seed=SEED.name, tz=ZoneInfo("Asia/Ho_Chi_Minh"))
    paragraphs = [article.title, article.lead, *article.paragraphs]
    found = split_paragraphs(paragraphs)
    assert len(found.sentences) == 14
    assert found.sentences[0] == article.title
    assert found.paragraph_breaks == {1, 3, 7, 10, 12}
    # Nothing is lost or added: the sentences put back together are the paragraphs.
    assert " ".join(found.sentences) == " ".join(paragraphs)
    for sentence in found.sentences:
        assert not sentence.startswith(("CC", "VC", ",")), sentence
        assert sentence[0].isupper(), sentence
    assert sum(s.count("CB,CC,VC") for s in found.sentences) == sum(p.count("CB,CC,VC") for p in paragraphs) == 8
    # The quoted slogans and the "…" inside the third paragraph stay in one sentence.
    assert any("phát thanh”... mang lại nhiều kết quả thiết thực." in s for s in found.sentences)


def test_tp_sa_dec_is_one_sentence() -> None:
    text = "Sáng 19/12, tại TP. Sa Đéc, UBND tỉnh họp. Đại diện HĐND dự."
    assert split_sentences(text) == ["Sáng 19/12, tại TP. Sa Đéc, UBND tỉnh họp.", "Đại diện HĐND dự."]


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "không"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (24, "hai mươi bốn"),
        (25, "hai mươi lăm"),
        (105, "một trăm lẻ năm"),
        (110, "một trăm mười"),
        (1000, "một nghìn"),
        (1005, "một nghìn không trăm lẻ năm"),
        (1500, "một nghìn năm trăm"),
        (2021, "hai nghìn không trăm hai mươi mốt"),
        (1_000_050, "một triệu không trăm năm mươi"),
        (1_500_000, "một triệu năm trăm nghìn"),
        (3_000_000_000, "ba tỷ"),
        (1_000_000_000_000, "một nghìn tỷ"),
    ],
)
def test_number_words(number: int, words: str) -> None:
    assert number_words(number) == words


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("2021", "hai nghìn không trăm hai mươi mốt"),
        ("19/12/2021", "ngày mười chín tháng mười hai năm hai nghìn không trăm hai mươi mốt"),
        ("Ngày 19/12/2021, ông", "Ngày mười chín tháng mười hai năm hai nghìn không trăm hai mươi mốt, ông"),
        ("ngày 19/12 tới", "ngày mười chín tháng mười hai tới"),
        ("tháng 4/2021", "tháng tư năm hai nghìn không trăm hai mươi mốt"),
        (
            "Cập nhật ngày: 19/12/2021 06:08:40",
            "Cập nhật ngày: ngày mười chín tháng mười hai năm hai nghìn không trăm hai mươi mốt sáu giờ tám phút bốn mươi giây",
        ),
        ("lúc 06:08", "lúc sáu giờ tám phút"),
        ("lúc 7h30", "lúc bảy giờ ba mươi phút"),
        ("15%", "mười lăm phần trăm"),
        ("3,5%", "ba phẩy năm phần trăm"),
        ("3,5", "ba phẩy năm"),
        ("0,05", "không phẩy không năm"),
        ("1.500", "một nghìn năm trăm"),
        ("1.500.000 đồng", "một triệu năm trăm nghìn đồng"),
        ("100.000đ", "một trăm nghìn đồng"),
        ("5 ha", "năm héc-ta"),
        ("giai đoạn 2021-2025", "giai đoạn hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm hai mươi lăm"),
        ("thứ 4", "thứ tư"),
        ("hạng thứ 1", "hạng thứ nhất"),
        ("số 05", "số không năm"),
        ("UBND huyện", "Ủy ban nhân dân huyện"),
        ("HĐND xã", "Hội đồng nhân dân xã"),
        ("(CB,CC,VC)", "(cán bộ, công chức, viên chức)"),
        ("TP. Sa Đéc", "thành phố Sa Đéc"),
        ("TP.HCM", "thành phố Hồ Chí Minh"),
        ("MTTQ", "Mặt trận Tổ quốc"),
        ("trường THCS và THPT", "trường trung học cơ sở và trung học phổ thông"),
        ("thẻ BHYT", "thẻ bảo hiểm y tế"),
        ("công tác CCHC", "công tác cải cách hành chính"),
        ("ĐTO - Thời gian qua", "Đồng Tháp Online - Thời gian qua"),
        ("PGS.TS. Nguyễn Văn A", "phó giáo sư tiến sĩ Nguyễn Văn A"),
        ("Th.S Lê B", "thạc sĩ Lê B"),
        ("Q. 1, P. 3", "quận một, phường ba"),
        ("COVID-19", "COVID mười chín"),
        ("Nguyễn V. A", "Nguyễn V. A"),
        ("UBNDX và XUBND", "UBNDX và XUBND"),
    ],
)
def test_speakable(text: str, spoken: str) -> None:
    assert speakable(text) == spoken


def test_speakable_seed_lead() -> None:
    article = read_article(SEED, seed=SEED.name, tz=ZoneInfo("Asia/Ho_Chi_Minh"))
    spoken = speakable(article.lead)
    assert "cán bộ, công chức, viên chức (cán bộ, công chức, viên chức)" in spoken
    assert "Kế hoạch số không năm" in spoken
    assert "UBND" not in spoken
    assert "CB,CC,VC" not in spoken


@given(st.text())
def test_speakable_never_raises_and_reads_every_digit(text: str) -> None:
    spoken = speakable(text)
    assert unicodedata.is_normalized("NFC", spoken)
    assert not any(c.isdecimal() for c in spoken)


@given(
    st.lists(
        st.one_of(
            st.integers(0, 10**15).map(str),
            st.builds("{}/{}/{}".format, st.integers(1, 31), st.integers(1, 12), st.integers(1000, 2999)),
            st.builds("{:02d}:{:02d}".format, st.integers(0, 23), st.integers(0, 59)),
            st.builds("{},{}%".format, st.integers(0, 100), st.integers(0, 99)),
            st.builds("{:,}".format, st.integers(1000, 10**12)).map(lambda s: s.replace(",", ".")),
            st.sampled_from(["UBND", "HĐND", "CB,CC,VC", "TP.", "MTTQ", "ngày", "tháng", "năm", "–", "(", ")"]),
        ),
        max_size=12,
    )
)
def test_speakable_supported_formats(tokens: list[str]) -> None:
    spoken = speakable(" ".join(tokens))
    assert not any(c.isdecimal() for c in spoken)
    for abbreviation in ("UBND", "HĐND", "CB,CC,VC", "MTTQ", "TP."):
        assert abbreviation not in spoken


@given(st.text())
def test_split_sentences_never_raises_and_loses_no_word(text: str) -> None:
    sentences = split_sentences(text)
    assert " ".join(sentences).split() == unicodedata.normalize("NFC", text).split()
    assert all(s and s == s.strip() for s in sentences)
