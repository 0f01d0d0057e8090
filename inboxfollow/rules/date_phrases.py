"""Date phrases in English, German, French and Spanish (pure): a small grammar.

`find_date_phrase(text, start, calendar)` finds the first phrase that names a day
or a period ("by Friday", "next week", "Anfang nächster Woche", "d'ici la fin du
mois", "después de las fiestas", "in Q1") and returns it with the period it names,
counted from `start` (the message's day in the owner's zone). A day is a period of
one day. Promises fall due on the period's last working day; "not now" answers
resume on its first working day after the message.

Why a grammar of our own: the phrases that matter here are few, and they sit inside
sentences; `dateparser` (checked: it reads all four languages offline) parses a date
string well but finds phrases in running text only through its slow, experimental
`search_dates`, which also takes words such as "may" or "mañana por la mañana" for
dates. A table of patterns is faster, testable line by line and explains itself.
"""

from __future__ import annotations

import calendar as cal_module
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from inboxfollow.rules.cadence import Calendar
from inboxfollow.rules.lazy_re import LazyPattern


@dataclass(frozen=True)
class DatePhrase:
    text: str  # as written
    first: date  # the first day of the period it names
    last: date  # the last day (== first for a day)

    @property
    def vague(self) -> bool:
        return self.first != self.last


WEEKDAYS = {
    0: "monday|mon|montag|lundi|lunes",
    1: "tuesday|dienstag|mardi|martes|tues|tue",  # the short forms of phones and Outlook
    2: "wednesday|mittwoch|mercredi|miércoles|miercoles|wed",
    3: "thursday|donnerstag|jeudi|jueves|thurs|thur|thu",
    4: "friday|freitag|vendredi|viernes|fri",
    5: "saturday|samstag|samedi|sábado|sabado",
    6: "sunday|sonntag|dimanche|domingo",
}
MONTHS = {
    1: "january|januar|jänner|janvier|enero|jan", 2: "february|februar|février|fevrier|febrero|"
    "feb", 3: "march|märz|maerz|mars|marzo", 4: "april|avril|abril|apr", 5: "mai|mayo",
    6: "june|juni|juin|junio|jun", 7: "july|juli|juillet|julio|jul",
    8: "august|août|aout|agosto|aug", 9: "september|septembre|septiembre|setiembre|sept|sep",
    10: "october|oktober|octobre|octubre|oct", 11: "november|novembre|noviembre|nov",
    12: "december|dezember|décembre|decembre|diciembre|dec",
}
NUMBERS = {
    "a": 1, "an": 1, "one": 1, "ein": 1, "eine": 1, "einer": 1, "einem": 1, "un": 1,
    "une": 1, "una": 1, "uno": 1, "two": 2, "zwei": 2, "deux": 2, "dos": 2, "couple": 2,
    "paar": 2, "three": 3, "drei": 3, "trois": 3, "tres": 3, "four": 4, "vier": 4,
    "quatre": 4, "cuatro": 4, "few": 3, "quinze": 15, "quince": 15, "huit": 8, "ocho": 8,
}
_NUM = r"(\d{1,2}|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")"
_DAYS = r"(?:days?|tagen?|jours?|días|dias|día|dia)"
_WEEKS = r"(?:weeks?|woche[n]?|semaines?|semanas?)"
_MONTHS_W = r"(?:months?|monat(?:en)?|mois|meses|mes)"
_NEXT = (r"(?:next|the\s+coming|coming|nächste[nrms]?|naechste[nrms]?|kommende[nrms]?|"
         r"prochaine?|próxima|proxima|próximo|proximo)")
_NEXT_AFTER = r"(?:prochaine?|que\s+viene|próxima|proxima|próximo|proximo)"
_EARLY = r"(?:early|beginning\s+of|start\s+of|anfang|début|debut|en\s+début\s+de|a\s+principios\s+de|principios\s+de|al\s+principio\s+de)"  # noqa: E501
_LATE = (r"(?:end\s+of|the\s+end\s+of|late|by\s+the\s+end\s+of|ende|gegen\s+ende|fin|la\s+fin|"
         r"d'ici\s+la\s+fin|a\s+finales\s+de|finales\s+de|a\s+fin\s+de|fin\s+de)")
_WEEK = r"(?:week|woche|semaine|semana(?!\s+santa))"
_MONTH = r"(?:month|monats?|monat|mois|mes)"
_HOLIDAYS = (r"(?:after\s+(?:the\s+)?(?:holidays|new\s+year|christmas)|in\s+the\s+new\s+year|"
             r"nach\s+den\s+feiertagen|nach\s+neujahr|im\s+neuen\s+jahr|nach\s+weihnachten|"
             r"après\s+les\s+fêtes|apres\s+les\s+fetes|après\s+le\s+nouvel\s+an|"
             r"después\s+de\s+(?:las\s+fiestas|reyes|navidad|año\s+nuevo)|"
             r"despues\s+de\s+(?:las\s+fiestas|reyes|navidad))")
_SUMMER = (r"(?:after\s+the\s+summer(?:\s+holidays)?|nach\s+den\s+sommerferien|nach\s+dem\s+"
           r"sommer|après\s+l'été|après\s+les\s+vacances|a\s+la\s+rentrée|à\s+la\s+rentrée|"
           r"después\s+del\s+verano|después\s+de\s+las\s+vacaciones|la\s+rentrée|la\s+rentree|"
           r"(?:a\s+)?la\s+vuelta\s+(?:del\s+verano|de\s+(?:las\s+)?vacaciones))")
_EASTER = (r"(?:after\s+easter|nach\s+ostern|après\s+pâques|apres\s+paques|"
           r"(?:después|despues)\s+de\s+(?:semana\s+santa|pascua))")
_SEASON_AT = (r"(?:in\s+the\s+|in\s+|this\s+|next\s+|im\s+|diesen\s+|nächsten\s+|en\s+|au\s+|"
              r"à\s+l'|cet\s+|en\s+el\s+|la\s+|esta\s+|este\s+|el\s+)")
SEASONS = {3: "spring|frühjahr|frühling|printemps|primavera", 6: "summer|sommer|été|verano",
           9: "autumn|fall|herbst|automne|otoño|otono"}  # the month each begins (winter: no)
_QUARTER = (r"(?:in\s+|im\s+|au\s+|en\s+el\s+|el\s+|dans\s+le\s+)?(?:the\s+)?"
            r"(?:q(?P<q>[1-4])|(?P<qw>first|second|third|fourth|ersten|zweiten|dritten|vierten|"
            r"premier|deuxième|troisième|quatrième|primer|segundo|tercer|cuarto)\s+(?:quarter|"
            r"quartal|trimestre))(?!\w)")
_ORDINAL = {"first": 1, "ersten": 1, "premier": 1, "primer": 1, "second": 2, "zweiten": 2,
            "deuxième": 2, "segundo": 2, "third": 3, "dritten": 3, "troisième": 3, "tercer": 3,
            "fourth": 4, "vierten": 4, "quatrième": 4, "cuarto": 4}
_NEXT_YEAR = (r"(?:next\s+year|nächstes\s+jahr|naechstes\s+jahr|l'année\s+prochaine|l'an\s+"
              r"prochain|el\s+año\s+que\s+viene|el\s+próximo\s+año|el\s+proximo\s+año)")


def _weekday_re() -> str:
    return "|".join(f"(?P<wd{i}>{names})" for i, names in WEEKDAYS.items())


def _month_re() -> str:
    return "|".join(f"(?P<mo{i}>{names})" for i, names in MONTHS.items())


Handler = Callable[[re.Match[str], date], tuple[date, date] | None]


def _month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, cal_module.monthrange(year, month)[1])


def _week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, cal_module.monthrange(year, month)[1]))


def _group_index(match: re.Match[str], prefix: str) -> int:
    return next(int(k[len(prefix):]) for k, v in match.groupdict().items()
                if v and k.startswith(prefix))


def _number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBERS[text]


def _next_month_named(month: int, start: date) -> tuple[date, date]:
    year = start.year if month > start.month else start.year + 1
    return _month_bounds(year, month)


def _h_relative(match: re.Match[str], start: date) -> tuple[date, date] | None:
    amount, unit = _number(match.group("n")), match.group("unit").lower()
    if re.fullmatch(_DAYS, unit):
        day = start + timedelta(days=amount)
    elif re.fullmatch(_WEEKS, unit):
        day = start + timedelta(weeks=amount)
    else:
        day = _add_months(start, amount)
    return day, day


def _h_weekday(match: re.Match[str], start: date) -> tuple[date, date]:
    index = _group_index(match, "wd")
    ahead = (index - start.weekday() - 1) % 7 + 1  # "next Friday" too: the coming one
    day = start + timedelta(days=ahead)
    return day, day


def _h_week(match: re.Match[str], start: date) -> tuple[date, date]:
    first, last = _week_of(start + timedelta(days=7) if match.group("nextw") else start)
    return _part(match, max(first, start), last)


def _h_month(match: re.Match[str], start: date) -> tuple[date, date]:
    base = _add_months(start.replace(day=1), 1) if match.group("nextm") else start
    first, last = _month_bounds(base.year, base.month)
    return _part(match, max(first, start), last)


def _h_named_month(match: re.Match[str], start: date) -> tuple[date, date]:
    first, last = _next_month_named(_group_index(match, "mo"), start)
    return _part(match, first, last)


def _part(match: re.Match[str], first: date, last: date) -> tuple[date, date]:
    span = (last - first).days
    if match.groupdict().get("early"):
        return first, first + timedelta(days=max(span // 3, 0))
    if match.groupdict().get("late"):
        return last - timedelta(days=max(span // 3, 0)), last
    return first, last


def _h_holidays(match: re.Match[str], start: date) -> tuple[date, date]:
    year = start.year + 1 if start.month >= 6 else start.year
    return date(year, 1, 7), date(year, 1, 31)


def _h_summer(match: re.Match[str], start: date) -> tuple[date, date]:
    year = start.year if start.month < 9 else start.year + 1
    return date(year, 9, 1), date(year, 9, 30)


def _h_easter(match: re.Match[str], start: date) -> tuple[date, date]:
    """After Easter: from the Tuesday after Easter Monday, three weeks."""
    for year in (start.year, start.year + 1):
        first = easter(year) + timedelta(days=2)
        if first > start:
            return first, first + timedelta(days=20)
    raise AssertionError("unreachable: next year's Easter is after any day of this year")


def easter(year: int) -> date:
    """Easter Sunday of the Gregorian calendar (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * weekday) // 433
    month = (h + weekday - 7 * m + 90) // 25
    return date(year, month, (h + weekday - 7 * m + 33 * month + 19) % 32)


def _h_season(match: re.Match[str], start: date) -> tuple[date, date]:
    begins = _group_index(match, "se")
    for year in (start.year, start.year + 1):
        last = _month_bounds(year, begins + 2)[1]
        if last > start:
            return max(date(year, begins, 1), start), last
    raise AssertionError("unreachable: next year's season ends after any day of this year")


def _h_quarter(match: re.Match[str], start: date) -> tuple[date, date]:
    quarter = int(match.group("q")) if match.group("q") else _ORDINAL[match.group("qw")]
    year = start.year if quarter > (start.month - 1) // 3 + 1 else start.year + 1
    first = date(year, 3 * quarter - 2, 1)
    return first, _month_bounds(year, 3 * quarter)[1]


def _h_next_year(match: re.Match[str], start: date) -> tuple[date, date]:
    return date(start.year + 1, 1, 1), date(start.year + 1, 12, 31)


def _h_days(offset: int) -> Handler:
    def handler(match: re.Match[str], start: date) -> tuple[date, date]:
        day = start + timedelta(days=offset)
        return day, day
    return handler


_W = r"(?<![\w-])"  # a word starts here
_PATTERNS: list[tuple[str, Handler]] = [
    (r"(?:the\s+day\s+after\s+tomorrow|übermorgen|uebermorgen|après-demain|apres-demain|"
     r"pasado\s+mañana)(?!\w)", _h_days(2)),
    (r"(?:tomorrow|tmrw|tmr|tomorow|(?<!guten )morgen(?!s)|demain|(?<!la )mañana(?!\s+por))"
     r"(?!\w)", _h_days(1)),
    (r"(?:today|later\s+today|this\s+afternoon|tonight|heute|aujourd'hui|ce\s+soir|"
     r"hoy|esta\s+tarde)(?!\w)", _h_days(0)),
    (rf"(?:in|within|innerhalb\s+von|dans|d'ici|en|dentro\s+de)\s+(?:the\s+next\s+|a\s+)?"
     rf"(?P<n>{_NUM})\s+(?:of\s+)?(?P<unit>{_DAYS}|{_WEEKS}|{_MONTHS_W})(?!\w)", _h_relative),
    (_HOLIDAYS, _h_holidays),
    (_SUMMER, _h_summer),
    (_EASTER, _h_easter),
    (_SEASON_AT + "(?:" + "|".join(f"(?P<se{m}>{names})" for m, names in SEASONS.items())
     + r")(?!\w)", _h_season),
    (_QUARTER, _h_quarter),
    (_NEXT_YEAR, _h_next_year),
    (rf"(?:(?P<early>{_EARLY})|(?P<late>{_LATE}))?\s*(?:of\s+|der\s+|de\s+la\s+|del\s+|de\s+|"
     rf"la\s+|the\s+|this\s+|diese[rn]?\s+|cette\s+|esta\s+)?"
     rf"(?:(?P<nextw>{_NEXT}\s+{_WEEK}|{_WEEK}\s+{_NEXT_AFTER})|{_WEEK}|"
     rf"(?:semaine|semana(?!\s+santa)|woche))(?!\w)", _h_week),
    (rf"(?:(?P<early>{_EARLY})|(?P<late>{_LATE}))?\s*(?:of\s+|des\s+|du\s+|der\s+|de\s+|del\s+|"
     rf"the\s+|this\s+|le\s+|el\s+|im\s+)?(?:(?P<nextm>{_NEXT}\s+{_MONTH}|{_MONTH}\s+"
     rf"{_NEXT_AFTER})|{_MONTH}|monatsende(?P<late2>))(?!\w)", _h_month),
    (rf"(?:(?P<early>{_EARLY})|(?P<late>{_LATE}))?\s*(?:in\s+|im\s+|en\s+|de\s+|d'|del\s+|"
     rf"de\s+|mi-|mid-?\s*)?(?:{_month_re()})(?!\w)(?!\s+\d)", _h_named_month),
    (rf"(?:(?P<nextwd>{_NEXT}\s+)|(?:on|by|until|before|am|bis|ab|spätestens|d'ici|avant|"
     rf"jusqu'à|le|el|antes\s+del|para\s+el|hasta\s+el|this|diesen)\s+)?(?:{_weekday_re()})"
     rf"(?:\s+{_NEXT_AFTER})?(?!\w)", _h_weekday),
    # German short forms, only after a preposition ("bis Fr.", "am Mo")
    (r"(?:bis|am|ab|spätestens)\s+(?:(?P<wd0>mo)|(?P<wd1>di)|(?P<wd2>mi)|(?P<wd3>do)|"
     r"(?P<wd4>fr))\.?(?!\w)", _h_weekday),
]
# compiled when first used: a poll that judges no message pays nothing for them
_RULES = [(LazyPattern(_W + pattern, re.IGNORECASE), handler) for pattern, handler in _PATTERNS]


def find_date_phrase(text: str, start: date, calendar: Calendar | None = None
                     ) -> DatePhrase | None:
    """The first date phrase in `text` (the earliest match, then the longest)."""
    found: list[tuple[int, int, re.Match[str], Handler]] = []
    for pattern, handler in _RULES:
        for match in pattern.finditer(text):
            if match.group(0).strip():
                found.append((match.start(), -len(match.group(0)), match, handler))
                break
    for _, _, match, handler in sorted(found, key=lambda f: (f[0], f[1])):
        period = handler(match, start)
        if period is not None:
            first, last = period
            return DatePhrase(" ".join(match.group(0).split()), first, last)
    return None


def due_day(phrase: DatePhrase, calendar: Calendar) -> date:
    """A promise's day: the period's last working day (a day off moves back; never before
    its first day, then forward)."""
    day = phrase.last
    while calendar.is_skipped(day) and day > phrase.first:
        day -= timedelta(days=1)
    return calendar.next_working_day(day)


def resume_day(phrase: DatePhrase, start: date, calendar: Calendar) -> date:
    """A deferral's day: the period's first working day after `start`."""
    return calendar.next_working_day(max(phrase.first, start + timedelta(days=1)))
