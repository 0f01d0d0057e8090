"""What a sentence commits someone to (pure): the owner's promises, a contact's "not now",
and a contact's question or request, in English, German, French and Spanish.

- A promise is an owner's sentence that commits them to a dated action ("I'll get back
  to you next week"): a first-person commitment and a date phrase in one sentence.
  It falls due on the period's last working day (`date_phrases.due_day`).
- A deferral is a contact's answer that puts the follow-up off to a date ("ask me
  again in January"): a put-off and a date phrase in one sentence. The follow-up
  resumes on the period's first working day (`date_phrases.resume_day`).
- A question or request ("Could you send...?", "Könnten Sie...", "Merci de...") makes
  an inbound message one that waits for the owner's answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from inboxfollow.rules.cadence import Calendar
from inboxfollow.rules.date_phrases import DatePhrase, due_day, find_date_phrase, resume_day
from inboxfollow.rules.lazy_re import LowercaseWords

_PROMISE = LowercaseWords([
    # en
    r"\b(?:i|we)(?:'ll|’ll|\s+will|\s+shall|\s+am\s+going\s+to|'m\s+going\s+to|\s+plan\s+to|"
    r"\s+promise\s+to|\s+intend\s+to|'d\s+like\s+to)\b",
    r"\byou(?:'ll|’ll|\s+will)\s+(?:have|get|receive|hear)\b",
    r"\blet\s+me\s+(?:get\s+back|come\s+back|check|look)\b",
    r"^\W*(?:ok\W+|sure\W+|thanks\W+)?will\s+(?:call|send|ring|email|get|come\s+back|let\s+you|"
    r"follow\s+up|be\s+in\s+touch|have)\b",  # a phone's "will call you monday"
    r"\bexpect\s+(?:it|the\s+\w+|my\s+\w+|an?\s+\w+)\b",
    # de
    r"\b(?:ich|wir)\s+(?:melde|melden|schick|schicke|schicken|sende|senden|rufe|rufen|komme|kommen|"
    r"gebe|geben|liefere|liefern|kläre|klären|schaue|schauen|mache|machen|erstelle|erstellen|"
    r"werde|werden)\b",
    r"\b(?:melde|schicke|sende|rufe|gebe|komme|liefere|kläre|erstelle)\s+ich\b",
    r"\b(?:melden|schicken|senden|rufen|geben|kommen|liefern)\s+wir\b",
    r"\bsie\s+(?:bekommen|erhalten|haben)\b.*\b(?:von\s+mir|von\s+uns)\b",
    r"\b(?:bekommen|erhalten)\s+sie\b",
    # fr
    r"\bje\s+(?:vous\s+|te\s+|t'|l'|le\s+|la\s+|les\s+)*(?:envoie|enverrai|reviens|reviendrai|"
    r"rappelle|rappellerai|recontacte|recontacterai|tiens|tiendrai|fais|ferai|donne|donnerai|"
    r"transmets|transmettrai|confirme|confirmerai|prépare|préparerai|appelle|appellerai)\b",
    r"\bnous\s+(?:vous\s+)?(?:enverrons|envoyons|reviendrons|revenons|rappellerons)\b",
    r"\bvous\s+(?:aurez|recevrez)\b",
    # es
    r"\b(?:le|te|les|os)\s+(?:envío|envio|enviaré|enviare|escribo|escribiré|llamo|llamaré|"
    r"confirmo|confirmaré|mando|mandaré|paso|pasaré|digo|diré|aviso|avisaré|contesto|"
    r"contestaré|respondo|responderé)\b",
    r"\b(?:me\s+pongo|me\s+pondré|me\s+pondre|vuelvo|volveré|volvere)\s+(?:en\s+contacto|a)\b",
    r"\b(?:tendrá|tendra|tendrás|recibirá|recibira|recibirás)\b",
    r"\b(?:enviaré|enviare|mandaré|prepararé|llamaré|escribiré)\b",
])

_DEFER = LowercaseWords([
    # en
    r"\b(?:ask|check\s+with|contact|try|ping|call|email|remind)\s+(?:me|us)\s+(?:again|back)?",
    r"\b(?:get|come|circle|reach)\s+back\s+to\s+(?:me|us)\b",
    r"\b(?:check|circle|touch)\s+(?:back|in|base)\b",
    r"\breach\s+out\s+(?:again|later)\b",
    r"\b(?:let'?s|we\s+can|we\s+could|happy\s+to|we'll)\s+(?:talk|speak|revisit|discuss|"
    r"pick\s+this\s+up|look\s+at\s+this)\b",
    r"\bnot\s+(?:now|right\s+now|at\s+the\s+moment|this\s+year|before|until)\b",
    r"\b(?:on\s+hold|no\s+budget|budget\s+(?:is|opens)|revisit)\b",
    r"\b(?:park|shelve|pause)\s+(?:this|it)\b",
    r"\bfollow\s+up\s+(?:with\s+(?:me|us)\s+)?(?:in|after|around)\b",
    # de
    r"\bmelden\s+sie\s+sich\b", r"\bkommen\s+sie\b.*\bauf\s+(?:mich|uns)\s+zu\b",
    r"\bfragen\s+sie\b.*\b(?:nochmal|noch\s+einmal|wieder)\b",
    r"\b(?:sprechen|reden|schauen)\s+wir\b", r"\blassen\s+sie\s+uns\b",
    r"\b(?:erst|frühestens|nicht\s+vor)\b",
    r"\b(?:derzeit|momentan|im\s+moment|zurzeit|aktuell)\s+(?:nicht|kein)\b",
    r"\b(?:rufen|schreiben)\s+sie\b.*\b(?:wieder|nochmal|noch\s+einmal)\b",
    # fr
    r"\b(?:recontactez|relancez|rappelez|contactez)[-\s](?:moi|nous)\b",
    r"\b(?:revenez|reprenez\s+contact)\b", r"\b(?:on\s+en\s+reparle|reparlons-en|parlons-en)\b",
    r"\bpas\s+(?:avant|maintenant|pour\s+le\s+moment|pour\s+l'instant|tout\s+de\s+suite)\b",
    r"\b(?:pour\s+l'instant|pour\s+le\s+moment)\b", r"\bon\s+(?:verra|se\s+reparle)\b",
    r"\bn'hésitez\s+pas\s+à\s+(?:me|nous)\s+(?:relancer|recontacter)\b",
    # es
    r"\b(?:vuelva|vuelve|volved)\s+a\s+(?:contactar|escribir|llamar|preguntar)",
    r"\b(?:contácteme|contacteme|escríbame|escribame|llámeme|llameme|pregúnteme|preguntame|"
    r"pregúntame|escríbeme|llámame)\b",
    r"\b(?:lo\s+)?(?:hablamos|retomamos|vemos|volvemos\s+a\s+hablar)\b",
    r"\b(?:no\s+antes\s+de|ahora\s+(?:mismo\s+)?no|por\s+ahora\s+no|de\s+momento\s+no)\b",
    r"\b(?:por\s+ahora|de\s+momento|por\s+el\s+momento)\b",
])

_REQUEST = LowercaseWords([
    r"\?|¿",
    r"\b(?:could|can|would|will)\s+you\b", r"\bplease\s+(?:send|let|confirm|advise|call|"
    r"share|check|provide|tell)\b", r"\blet\s+me\s+know\b",
    r"\b(?:i|we)(?:\s+need|\s+would\s+like|['’]d\s+like)\b",
    r"\b(?:könnten|können|würden|koennten|wuerden)\s+sie\b", r"\bbitte\s+(?:senden|schicken|"
    r"geben|bestätigen|rufen|teilen|melden)\b",
    r"\bgeben\s+sie\s+(?:mir|uns)\s+(?:bitte\s+)?(?:kurz\s+)?bescheid\b",
    r"\b(?:ich|wir)\s+(?:bräuchten|brauchen|hätten\s+gern|möchten)\b", r"\bbitte\s+um\b",
    r"\b(?:pourriez|pouvez|pourrais|peux)[-\s](?:vous|tu)\b", r"\bmerci\s+de\b",
    r"\b(?:envoyez|confirmez|indiquez|dites)[-\s](?:moi|nous)\b",
    r"\b(?:je|nous)\s+(?:souhaiterais|souhaiterions|voudrais|aurais\s+besoin)\b",
    r"\b(?:podría|podria|puede|podrías|puedes)\s+\w+", r"\bpor\s+favor\b",
    r"\b(?:necesito|necesitamos|me\s+gustaría|nos\s+gustaría|quedo\s+a\s+la\s+espera)\b",
])

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


@dataclass(frozen=True)
class Commitment:
    sentence: str
    phrase: DatePhrase
    day: date  # a promise's due day, a deferral's resume day


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def find_promise(text: str, start: date, calendar: Calendar) -> Commitment | None:
    """The owner's first dated promise in `text` (their own words, quotes cut)."""
    for sentence in sentences(text):
        if _PROMISE.found_in(sentence):
            phrase = find_date_phrase(sentence, start, calendar)
            if phrase is not None and phrase.last >= start:
                return Commitment(sentence, phrase, due_day(phrase, calendar))
    return None


def find_deferral(text: str, start: date, calendar: Calendar) -> Commitment | None:
    """A contact's first "not now, but then" in `text`: the day the follow-up resumes."""
    for sentence in sentences(text):
        if _DEFER.found_in(sentence):
            phrase = find_date_phrase(sentence, start, calendar)
            if phrase is not None and phrase.last > start:
                return Commitment(sentence, phrase, resume_day(phrase, start, calendar))
    return None


def asks_something(text: str) -> str:
    """The first sentence that asks a question or makes a request, else ""."""
    for sentence in sentences(text):
        if _REQUEST.found_in(sentence):
            return sentence
    return ""
