"""The amount a quote names: tables of texts in, amounts out (rules/amounts)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inboxfollow.rules.amounts import (
    Amount,
    find_amount,
    format_amount,
    parse_number,
    quote_amount,
    totals_by_currency,
)


@pytest.mark.parametrize(("text", "currency", "value"), [
    ("Total: $4,250.00", "USD", "4250.00"),
    ("Gesamtbetrag 3.480,00 €", "EUR", "3480.00"),
    ("Total TTC : 1 250,50 €", "EUR", "1250.50"),
    ("Total TTC\u00a0: 1\u202f250,50\u00a0€", "EUR", "1250.50"),
    ("Total: 2.300,00 EUR", "EUR", "2300.00"),
    ("£1,200", "GBP", "1200"),
    ("CHF 980.–", "CHF", "980.00"),
    ("Total : CHF 1'250.–", "CHF", "1250.00"),
    ("Importe total: 1.850,00 €", "EUR", "1850.00"),
    ("Precio: 12,50 €", "EUR", "12.50"),
    ("the price is USD 12,000", "USD", "12000"),
    ("€ 99", "EUR", "99"),
    ("Summe netto 1.000,00 €\nSumme brutto 1.190,00 €", "EUR", "1190.00"),
    ("Montant HT : 1 000,00 €\nTotal TTC : 1 200,00 €", "EUR", "1200.00"),
])
def test_an_amount_beside_a_currency_is_read_in_each_language(
    text: str, currency: str, value: str
) -> None:
    assert find_amount(text) == Amount(currency, Decimal(value))


def test_the_total_line_wins_over_larger_figures_elsewhere() -> None:
    text = "Shelves: $300.00\nInstallation: $150.00\nTotal: $450.00\nA full refit would be $9,000"
    assert find_amount(text) == Amount("USD", Decimal("450.00"))


def test_without_a_total_line_the_largest_amount_is_taken() -> None:
    assert find_amount("Oak: €1.200\nFitting: €300") == Amount("EUR", Decimal("1200"))


@pytest.mark.parametrize("text", [
    "", "We can start on 12.05.2026 at 9:00", "Quote no. 2026-041, 3 items",
    "Call me on +41 44 123 45 67", "Total: 12 items", "Order 4,250.00",
])
def test_no_currency_no_amount(text: str) -> None:
    assert find_amount(text) is None


@pytest.mark.parametrize(("number", "value"), [
    ("4,250.00", "4250.00"), ("3.480,00", "3480.00"), ("1 250,50", "1250.50"),
    ("1,200", "1200"), ("1.200", "1200"), ("12,5", "12.5"), ("980.–", "980.00"),
    ("1'250.50", "1250.50"), ("1,234,567.89", "1234567.89"), ("42", "42"),
])
def test_parse_number(number: str, value: str) -> None:
    assert parse_number(number) == Decimal(value)


def test_a_quote_is_read_from_its_text_then_subject_then_file_names() -> None:
    quote = {"text": "Hi Ann,\nplease find the estimate attached.", "subject": "Estimate",
             "attachments": ["Angebot_2026-041_3480EUR.pdf"]}
    assert quote_amount(quote) == Amount("EUR", Decimal("3480"))
    assert quote_amount({**quote, "subject": "Estimate: $1,100"}) == Amount("USD", Decimal(1100))
    assert quote_amount({**quote, "text": "Total: £200"}) == Amount("GBP", Decimal(200))
    assert quote_amount({"text": "", "subject": "Quote", "attachments": ["quote.pdf"]}) is None
    assert quote_amount({}) is None


def test_totals_never_add_different_currencies() -> None:
    amounts = [Amount("EUR", Decimal("1000")), Amount("USD", Decimal("4250.50")), None,
               Amount("EUR", Decimal("250.50")), Amount("CHF", Decimal("980"))]
    assert totals_by_currency(amounts) == [
        Amount("USD", Decimal("4250.50")), Amount("EUR", Decimal("1250.50")),
        Amount("CHF", Decimal("980"))]
    assert totals_by_currency([]) == []


@pytest.mark.parametrize(("amount", "shown"), [
    (Amount("USD", Decimal("4250.00")), "$4,250"), (Amount("EUR", Decimal("1250.5")), "€1,250.50"),
    (Amount("CHF", Decimal("980")), "CHF 980"), (Amount("GBP", Decimal("1200")), "£1,200"),
])
def test_format_amount(amount: Amount, shown: str) -> None:
    assert format_amount(amount) == shown == str(amount)


@given(st.decimals(min_value=1, max_value=10**9, places=2), st.sampled_from([
    ("${:,.2f}", "{}"), ("{} €", "de"), ("Total: {} EUR", "de"), ("£{:,.2f}", "{}")]))
def test_a_formatted_amount_reads_back(value: Decimal, form: tuple[str, str]) -> None:
    pattern, style = form
    if style == "de":
        text = pattern.format(f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", "."))
    else:
        text = pattern.format(value)
    found = find_amount(text)
    assert found is not None and found.value == value
