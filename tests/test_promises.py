"""Promises, "not now" answers and questions as tables of real phrases (en, de, fr, es).

Each phrase is written as owners and customers write them; the expected day is counted
from Monday 7 December 2026 on a Monday-to-Friday calendar with 25 December and
1 January off.
"""

from __future__ import annotations

from datetime import date

import pytest

from inboxfollow.rules.cadence import Calendar
from inboxfollow.rules.commitments import asks_something, find_deferral, find_promise
from inboxfollow.rules.date_phrases import easter, find_date_phrase

START = date(2026, 12, 7)  # a Monday
CAL = Calendar(holidays=frozenset({date(2026, 12, 25), date(2027, 1, 1)}))
TUE, WED, THU, FRI = (date(2026, 12, d) for d in (8, 9, 10, 11))
NEXT_FRI, NEXT_MON = date(2026, 12, 18), date(2026, 12, 14)
MONTH_END = date(2026, 12, 31)

PROMISES = {
    "en": [
        ("I'll get back to you next week.", NEXT_FRI),
        ("I will send the revised quote by Friday.", FRI),
        ("I'll call you tomorrow to go through the details.", TUE),
        ("We'll have the drawings ready by Thursday.", THU),
        ("I will send you the final figures by the end of the month.", MONTH_END),
        ("I'm going to check with the supplier and get back to you on Wednesday.", WED),
        ("You'll have the invoice in two weeks.", date(2026, 12, 21)),
        ("Let me check the stock and I'll come back to you tomorrow.", TUE),
        ("I'll let you know early next week.", date(2026, 12, 16)),
        ("We will deliver the samples next Monday.", NEXT_MON),
        ("I shall confirm the date in a few days.", THU),
        ("I'll send it over later today.", START),
        ("I will follow up in January with the new price list.", date(2027, 1, 29)),
        ("You will receive the contract by Wednesday.", WED),
        ("I'll ring you the day after tomorrow.", WED),
        ("We'll send the updated plan this week.", FRI),
        ("I promise to have an answer for you by Friday.", FRI),
        ("I'll get the measurements to you in 3 days.", THU),
        ("Expect the quote by Thursday.", THU),
        ("We will be in touch after the holidays.", date(2027, 1, 29)),
        ("I'll send the photos next week.", NEXT_FRI),
        # as people type them on phones and in Outlook or Gmail
        ("ok will do, I'll send the revised numbers tmrw", TUE),
        ("Thanks Mark - I'll get back to you by Fri.", FRI),
        ("will call you monday\n\nSent from my iPhone", NEXT_MON),
        ("Sure thing, I'll have the quote over to you by end of week", FRI),
        ("I’ll send it first thing tomorrow morning", TUE),
        ("we'll get the samples out to you early next week!", date(2026, 12, 16)),
    ],
    "de": [
        ("Ich melde mich Anfang nächster Woche.", date(2026, 12, 16)),
        ("Ich schicke Ihnen das Angebot bis Freitag.", FRI),
        ("Ich rufe Sie morgen an.", TUE),
        ("Wir melden uns nächste Woche bei Ihnen.", NEXT_FRI),
        ("Ich sende Ihnen die Unterlagen bis Ende des Monats.", MONTH_END),
        ("Die Zeichnungen schicke ich Ihnen am Donnerstag.", THU),
        ("Ich gebe Ihnen bis Mittwoch Bescheid.", WED),
        ("Ich komme übermorgen auf Sie zu.", WED),
        ("Wir liefern die Muster in zwei Wochen.", date(2026, 12, 21)),
        ("Ich kläre das mit dem Lieferanten und melde mich morgen.", TUE),
        ("Sie bekommen die Rechnung diese Woche von mir.", FRI),
        ("Ich werde Ihnen das überarbeitete Angebot im Januar schicken.", date(2027, 1, 29)),
        ("Melde mich heute noch, ich rufe Sie heute an.", START),
        ("Ich erstelle das Angebot bis Ende der Woche.", FRI),
        ("Ich schicke Ihnen die Fotos in drei Tagen.", THU),
        ("Wir senden Ihnen den Vertrag nächsten Montag.", NEXT_MON),
        ("Ich melde mich nach den Feiertagen wieder.", date(2027, 1, 29)),
        ("Erhalten Sie bis Freitag die Pläne?", FRI),
        ("Ich schaue mir das an und melde mich am Mittwoch.", WED),
        ("Ich mache Ihnen bis morgen ein Angebot.", TUE),
        ("Wir geben Ihnen kommende Woche Bescheid.", NEXT_FRI),
        ("Danke! Ich melde mich morgen früh bei Ihnen.\n\nVon meinem iPhone gesendet", TUE),
        ("ich schick Ihnen das Angebot bis Fr.", FRI),
        ("Gerne, ich schicke Ihnen die Unterlagen gleich morgen.", TUE),
        ("Ich melde mich spätestens Mittwoch", WED),
        ("Wir melden uns Anfang kommender Woche bei Ihnen, versprochen.", date(2026, 12, 16)),
    ],
    "fr": [
        ("Je vous envoie le devis demain.", TUE),
        ("Je reviens vers vous la semaine prochaine.", NEXT_FRI),
        ("Je vous rappelle jeudi.", THU),
        ("Je vous enverrai les plans d'ici vendredi.", FRI),
        ("Nous vous enverrons la facture à la fin du mois.", MONTH_END),
        ("Je vous recontacte en début de semaine prochaine.", date(2026, 12, 16)),
        ("Je vous tiens au courant mercredi.", WED),
        ("Vous aurez le contrat dans deux semaines.", date(2026, 12, 21)),
        ("Je vous confirme la date après-demain.", WED),
        ("Je vous fais parvenir les échantillons lundi prochain.", NEXT_MON),
        ("Je vous donne une réponse d'ici la fin de la semaine.", FRI),
        ("Je reviendrai vers vous en janvier.", date(2027, 1, 29)),
        ("Je vous envoie les photos aujourd'hui.", START),
        ("Vous recevrez le devis dans trois jours.", THU),
        ("Je vous transmets le bon de commande demain.", TUE),
        ("Nous revenons vers vous après les fêtes.", date(2027, 1, 29)),
        ("Je vous prépare une offre pour vendredi.", FRI),
        ("Je vous appelle cette semaine.", FRI),
        ("Je vous rappellerai dans quinze jours.", date(2026, 12, 22)),
        ("Je vous enverrai la version corrigée le mois prochain.", date(2027, 1, 29)),
        ("Je vous envoie tout ça d'ici mardi.", date(2026, 12, 8)),
        ("Merci ! Je vous envoie ça demain matin.\n\nEnvoyé de mon iPhone", TUE),
        ("je reviens vers vous d'ici vendredi sans faute", FRI),
        ("Je vous rappelle en fin de semaine", FRI),
        ("Bien noté, je vous envoie le devis corrigé lundi prochain.", NEXT_MON),
    ],
    "es": [
        ("Le envío el presupuesto mañana.", TUE),
        ("Le escribo la semana que viene.", NEXT_FRI),
        ("Te llamo el jueves.", THU),
        ("Le enviaré los planos antes del viernes.", FRI),
        ("Le mando la factura a finales de mes.", MONTH_END),
        ("Me pongo en contacto con usted la próxima semana.", NEXT_FRI),
        ("Le confirmo la fecha pasado mañana.", WED),
        ("Tendrá el contrato en dos semanas.", date(2026, 12, 21)),
        ("Le paso las fotos hoy.", START),
        ("Le digo algo el miércoles.", WED),
        ("Volveré a contactarle en enero.", date(2027, 1, 29)),
        ("Le envío la propuesta esta semana.", FRI),
        ("Le llamaré dentro de tres días.", THU),
        ("Recibirá las muestras el lunes que viene.", NEXT_MON),
        ("Te aviso el viernes.", FRI),
        ("Le contesto después de las fiestas.", date(2027, 1, 29)),
        ("Le respondo mañana sin falta.", TUE),
        ("Te mando el presupuesto el próximo mes.", date(2027, 1, 29)),
        ("Le escribiré a finales de semana.", FRI),
        ("Enviaré la versión corregida el martes.", date(2026, 12, 8)),
        ("Por la mañana le llamo, el miércoles.", WED),
        ("Gracias! Le envío el presupuesto mañana a primera hora.\n\nEnviado desde mi iPhone",
         TUE),
        ("le llamo el lunes sin falta", NEXT_MON),
        ("Perfecto, le mando los planos antes del jueves", THU),
        ("Le escribo a principios de la semana que viene.", date(2026, 12, 16)),
    ],
}


@pytest.mark.parametrize(("lang", "text", "due"), [
    (lang, text, due) for lang, rows in PROMISES.items() for text, due in rows])
def test_promise_phrases(lang: str, text: str, due: date) -> None:
    found = find_promise(text, START, CAL)
    assert found is not None, text
    assert found.day == due, (found.phrase, found.day)


NOT_PROMISES = [
    "Thanks for your order.", "See attached.", "Vielen Dank für Ihre Anfrage.",
    "Merci pour votre message.", "Gracias por su pedido.",
    "We delivered the table last Friday, I think.",  # no commitment... but "I think"
    "Next week is busy for us.",
]


@pytest.mark.parametrize("text", NOT_PROMISES[:5] + NOT_PROMISES[6:])
def test_no_promise(text: str) -> None:
    assert find_promise(text, START, CAL) is None


JAN, MAR, SEP = date(2027, 1, 1), date(2027, 3, 1), date(2027, 9, 1)
JAN_4 = date(2027, 1, 4)  # 1 January is off, then a weekend
DEFERRALS = {
    "en": [
        ("Ask me again in January.", JAN_4),
        ("Please get back to me after the holidays.", date(2027, 1, 7)),
        ("Let's talk in Q1.", JAN_4),
        ("Not right now, maybe next month.", JAN_4),
        ("Check back with us in March.", MAR),
        ("We have no budget this year, reach out again in January.", JAN_4),
        ("Can you contact me again next week?", NEXT_MON),
        ("Let's revisit this in the new year.", date(2027, 1, 7)),
        ("Not before February, I'm afraid.", date(2027, 2, 1)),
        ("Circle back to me in two weeks.", date(2026, 12, 21)),
        ("Try me again after the summer.", SEP),
        ("We could talk again next year.", JAN_4),
        ("Follow up with me in September.", SEP),
        ("It's on hold until March.", MAR),
        ("Touch base early next month.", JAN_4),
        ("Please remind me in a month.", date(2027, 1, 7)),
        ("Let's speak again in the second quarter.", date(2027, 4, 1)),
        ("Happy to talk after Christmas.", date(2027, 1, 7)),
        ("Get back to us at the end of January.", date(2027, 1, 21)),
        ("Not now, but ping me on Friday.", FRI),
        ("We'll look at this in April.", date(2027, 4, 1)),
        ("not a good time rn, can you ping me again in jan?", JAN_4),
        ("Thx but we're slammed until after xmas. try me again in the new year",
         date(2027, 1, 7)),
        ("Let's pick this up again after the holidays", date(2027, 1, 7)),
        ("Budget opens in April, can you touch base then?", date(2027, 4, 1)),
        ("Sorry for the slow reply - not this year. Reach out again in February.\n\n"
         "Sent from my iPhone", date(2027, 2, 1)),
        ("Can we park this until March? Ask me again then.", MAR),
    ],
    "de": [
        ("Melden Sie sich im März wieder.", MAR),
        ("Fragen Sie bitte im Januar noch einmal nach.", JAN_4),
        ("Im Moment nicht, sprechen wir nach den Feiertagen.", date(2027, 1, 7)),
        ("Kommen Sie im neuen Jahr wieder auf mich zu.", date(2027, 1, 7)),
        ("Erst im zweiten Quartal.", date(2027, 4, 1)),
        ("Derzeit nicht, melden Sie sich nächsten Monat.", JAN_4),
        ("Lassen Sie uns im Februar sprechen.", date(2027, 2, 1)),
        ("Frühestens im April.", date(2027, 4, 1)),
        ("Rufen Sie mich nächste Woche wieder an.", NEXT_MON),
        ("Nicht vor März, bitte.", MAR),
        ("Reden wir nach dem Sommer darüber.", SEP),
        ("Schreiben Sie mir Anfang Januar noch einmal.", JAN_4),
        ("Zurzeit kein Bedarf, melden Sie sich in zwei Wochen.", date(2026, 12, 21)),
        ("Schauen wir im ersten Quartal.", JAN_4),
        ("Aktuell nicht, aber fragen Sie im September wieder.", SEP),
        ("Melden Sie sich bitte nächstes Jahr.", JAN_4),
        ("Momentan nicht, kommen Sie Ende Januar auf uns zu.", date(2027, 1, 21)),
        ("Sprechen wir nach Neujahr.", date(2027, 1, 7)),
        ("Erst nach den Sommerferien.", SEP),
        ("Melden Sie sich in einem Monat wieder.", date(2027, 1, 7)),
        ("Im Moment nicht, vielleicht im Mai.", date(2027, 5, 3)),
        ("Danke, passt gerade nicht. Melden Sie sich bitte im Februar nochmal.\n\n"
         "Von meinem iPhone gesendet", date(2027, 2, 1)),
        ("aktuell kein budget, fragen sie im april nochmal nach", date(2027, 4, 1)),
        ("Lassen Sie uns nach Ostern nochmal sprechen.", date(2027, 3, 30)),
        ("Momentan leider nicht, kommen Sie im Herbst wieder auf uns zu.", SEP),
    ],
    "fr": [
        ("Recontactez-moi en septembre.", SEP),
        ("Revenez vers moi après les fêtes.", date(2027, 1, 7)),
        ("Pas pour le moment, on en reparle en janvier.", JAN_4),
        ("Relancez-moi le mois prochain.", JAN_4),
        ("Pas avant mars.", MAR),
        ("Rappelez-moi la semaine prochaine.", NEXT_MON),
        ("Pour l'instant non, recontactez-nous au premier trimestre.", JAN_4),
        ("Reparlons-en à la rentrée.", SEP),
        ("Reprenez contact dans deux semaines.", date(2026, 12, 21)),
        ("On en reparle l'année prochaine.", JAN_4),
        ("Pas maintenant, contactez-moi en février.", date(2027, 2, 1)),
        ("N'hésitez pas à me relancer début janvier.", JAN_4),
        ("Pour le moment ce n'est pas possible, revenez en avril.", date(2027, 4, 1)),
        ("On verra après le nouvel an.", date(2027, 1, 7)),
        ("Relancez-nous dans un mois.", date(2027, 1, 7)),
        ("Pas tout de suite, plutôt en mai.", date(2027, 5, 3)),
        ("Parlons-en fin janvier.", date(2027, 1, 21)),
        ("Recontactez-nous au deuxième trimestre.", date(2027, 4, 1)),
        ("Rappelez-moi vendredi.", FRI),
        ("On se reparle en mars.", MAR),
        ("Pour l'instant, revenez vers moi après l'été.", SEP),
        ("Merci mais pas pour l'instant, relancez-moi en février svp\n\nEnvoyé de mon iPhone",
         date(2027, 2, 1)),
        ("pas avant la rentrée, désolé", SEP),
        ("Recontactez-moi après Pâques.", date(2027, 3, 30)),
        ("On en reparle début mars si ça vous va ?", MAR),
    ],
    "es": [
        ("Vuelva a contactarme en enero.", JAN_4),
        ("Escríbame de nuevo después de las fiestas.", date(2027, 1, 7)),
        ("Ahora mismo no, lo hablamos en marzo.", MAR),
        ("Llámeme la semana que viene.", NEXT_MON),
        ("De momento no, retomamos el tema el próximo mes.", JAN_4),
        ("No antes de febrero.", date(2027, 2, 1)),
        ("Contácteme en el primer trimestre.", JAN_4),
        ("Por ahora no, pregúnteme en septiembre.", SEP),
        ("Hablamos después de Reyes.", date(2027, 1, 7)),
        ("Vuelve a escribirme dentro de dos semanas.", date(2026, 12, 21)),
        ("Lo vemos el año que viene.", JAN_4),
        ("Por el momento no, llámeme a principios de enero.", JAN_4),
        ("Volvemos a hablar en abril.", date(2027, 4, 1)),
        ("Escríbeme después del verano.", SEP),
        ("Retomamos en el segundo trimestre.", date(2027, 4, 1)),
        ("De momento no, contácteme en un mes.", date(2027, 1, 7)),
        ("Hablamos a finales de enero.", date(2027, 1, 21)),
        ("Llámame el viernes.", FRI),
        ("Ahora no, pregúntame en mayo.", date(2027, 5, 3)),
        ("Lo hablamos después de Navidad.", date(2027, 1, 7)),
        ("Por ahora no, vuelva a llamar en marzo.", MAR),
        ("Gracias, ahora mismo no. Escríbame en febrero.\n\nEnviado desde mi iPhone",
         date(2027, 2, 1)),
        ("de momento no, llámeme después de Semana Santa", date(2027, 3, 30)),
        ("Por ahora no, vuelva a escribirme en otoño", SEP),
        ("lo hablamos a la vuelta del verano", SEP),
    ],
}


@pytest.mark.parametrize(("lang", "text", "resume"), [
    (lang, text, day) for lang, rows in DEFERRALS.items() for text, day in rows])
def test_deferral_phrases(lang: str, text: str, resume: date) -> None:
    found = find_deferral(text, START, CAL)
    assert found is not None, text
    assert found.day == resume, (found.phrase, found.day)


@pytest.mark.parametrize("text", [
    "Great, we accept the offer.", "Wir nehmen das Angebot an.",
    "Parfait, c'est d'accord.", "Perfecto, aceptamos.", "Thanks, see you on Friday!",
])
def test_no_deferral(text: str) -> None:
    assert find_deferral(text, START, CAL) is None


@pytest.mark.parametrize(("text", "asks"), [
    ("Could you send the drawings again?", True),
    ("When can you deliver the chairs", True),
    ("Please confirm the date.", True),
    ("Let me know when you can come.", True),
    ("Könnten Sie mir die Maße schicken.", True),
    ("Bitte senden Sie mir das Angebot erneut.", True),
    ("Geben Sie mir Bescheid, wann Sie Zeit haben.", True),
    ("Pourriez-vous m'envoyer le devis.", True),
    ("Merci de me confirmer la livraison.", True),
    ("¿Podría enviarme el presupuesto?", True),
    ("Necesito la factura para el viernes.", True),
    ("Thanks, all good.", False),
    ("Vielen Dank, alles klar.", False),
    ("Merci, c'est parfait.", False),
    ("Gracias, todo bien.", False),
])
def test_questions_and_requests(text: str, asks: bool) -> None:
    assert bool(asks_something(text)) is asks


def test_every_language_has_at_least_20_real_phrases_of_each_kind() -> None:
    for table in (PROMISES, DEFERRALS):
        assert sorted(table) == ["de", "en", "es", "fr"]
        assert min(len(rows) for rows in table.values()) >= 20


@pytest.mark.parametrize(("year", "sunday"), [
    (2026, date(2026, 4, 5)), (2027, date(2027, 3, 28)), (2028, date(2028, 4, 16)),
    (2038, date(2038, 4, 25)), (2285, date(2285, 3, 22))])
def test_easter(year: int, sunday: date) -> None:
    assert easter(year) == sunday


@pytest.mark.parametrize(("text", "first"), [
    ("in the spring", date(2027, 3, 1)), ("im Frühjahr", date(2027, 3, 1)),
    ("en été", date(2027, 6, 1)), ("en otoño", date(2027, 9, 1)),
    ("this summer", date(2027, 6, 1)),
])
def test_seasons_are_the_next_one(text: str, first: date) -> None:
    found = find_date_phrase(text, START)
    assert found is not None and found.first == first


@pytest.mark.parametrize("text", [
    "Estamos cerrados en Semana Santa.", "if the prices fall", "a fall in demand",
])
def test_words_that_only_look_like_dates(text: str) -> None:
    assert find_date_phrase(text, START) is None
