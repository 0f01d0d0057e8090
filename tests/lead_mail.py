"""Web-form notifications as form tools mail them, written for the tests (not copies):
WordPress Contact Form 7, Gravity Forms, Typeform, Jotform, Google Forms, Wix,
Squarespace, HubSpot and Webflow, in English, German, French and Spanish, text and HTML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime


@dataclass(frozen=True)
class Notification:
    tool: str
    sender: tuple[str, str]
    subject: str
    text: str = ""
    html: str = ""
    reply_to: tuple[str, str] | None = None
    bulk: bool = True  # Precedence: bulk / Auto-Submitted, as most tools send
    lead: str = ""  # the lead's address the reader must find; "" for unreadable
    name: str = ""

    def raw(self, to: str, when: datetime, message_id: str) -> bytes:
        msg = EmailMessage(policy=policy.SMTP)
        msg["From"] = f'"{self.sender[0]}" <{self.sender[1]}>'
        msg["To"] = to
        msg["Subject"] = self.subject
        msg["Date"] = format_datetime(when)
        msg["Message-ID"] = message_id
        if self.reply_to:
            msg["Reply-To"] = f'"{self.reply_to[0]}" <{self.reply_to[1]}>'
        if self.bulk:
            msg["Auto-Submitted"] = "auto-generated"
            msg["Precedence"] = "bulk"
        if self.text:
            msg.set_content(self.text)
            if self.html:
                msg.add_alternative(self.html, subtype="html")
        else:
            msg.set_content(self.html, subtype="html")
        return msg.as_bytes()


CF7 = Notification(
    "Contact Form 7", ("Reyes Joinery", "wordpress@reyes-joinery.example"),
    "[Reyes Joinery] Built-in wardrobe for our loft",
    "From: Priya Natarajan <priya.n@gmail.com>\nSubject: Built-in wardrobe for our loft\n\n"
    "Message Body:\nHi, we need a built-in wardrobe under a sloped ceiling, about 3 m wide.\n"
    "Could you come and measure next week?\n\n-- \n"
    "This e-mail was sent from a contact form on Reyes Joinery (https://reyes-joinery.example)\n",
    reply_to=("Priya Natarajan", "priya.n@gmail.com"), lead="priya.n@gmail.com",
    name="Priya Natarajan")

GRAVITY_DE = Notification(
    "Gravity Forms", ("Reyes Tischlerei", "noreply@reyes-joinery.example"),
    "Neue Anfrage über das Kontaktformular",
    html="""<html><body><table width="99%" border="0" cellpadding="1" cellspacing="0">
<tr><td><table width="100%" border="0" cellpadding="5" cellspacing="0">
<tr bgcolor="#EAF2FA"><td colspan="2"><font style="font-family: sans-serif; font-size:12px;">
<strong>Vorname</strong></font></td></tr>
<tr bgcolor="#FFFFFF"><td width="20">&nbsp;</td><td><font>Jürgen</font></td></tr>
<tr bgcolor="#EAF2FA"><td colspan="2"><strong>Nachname</strong></td></tr>
<tr bgcolor="#FFFFFF"><td width="20">&nbsp;</td><td>Weißmüller</td></tr>
<tr bgcolor="#EAF2FA"><td colspan="2"><strong>E-Mail</strong></td></tr>
<tr bgcolor="#FFFFFF"><td width="20">&nbsp;</td><td>
<a href="mailto:j.weissmueller@weissmueller-bau.de">j.weissmueller@weissmueller-bau.de</a></td></tr>
<tr bgcolor="#EAF2FA"><td colspan="2"><strong>Telefon</strong></td></tr>
<tr bgcolor="#FFFFFF"><td width="20">&nbsp;</td><td>+49 171 5550123</td></tr>
<tr bgcolor="#EAF2FA"><td colspan="2"><strong>Ihre Nachricht</strong></td></tr>
<tr bgcolor="#FFFFFF"><td width="20">&nbsp;</td><td>Guten Tag,<br>wir brauchen eine neue
Eichentreppe für unser Bürogebäude. Wann hätten Sie Zeit für einen Termin?</td></tr>
</table></td></tr></table></body></html>""",
    lead="j.weissmueller@weissmueller-bau.de", name="Jürgen Weißmüller")

TYPEFORM_FR = Notification(
    "Typeform", ("Typeform", "notifications@typeform.com"),
    "Nouvelle réponse à « Demande de devis »",
    html="""<html><body><div style="max-width:600px">
<h2>Demande de devis</h2><p>Vous avez une nouvelle réponse :</p>
<p><strong>Votre nom ?</strong></p><p>Claire Martin</p>
<p><strong>Votre adresse e-mail ?</strong></p><p>claire.martin@atelier-martin.fr</p>
<p><strong>Votre téléphone</strong></p><p>06 12 34 56 78</p>
<p><strong>Votre demande</strong></p><p>Bonjour, je souhaite faire fabriquer une bibliothèque
sur mesure pour mon salon. Pouvez-vous me rappeler ?</p>
<p><a href="https://admin.typeform.com/">Voir toutes les réponses</a></p>
</div></body></html>""",
    lead="claire.martin@atelier-martin.fr", name="Claire Martin")

JOTFORM_ES = Notification(
    "Jotform", ("Jotform", "noreply@jotform.com"), "Nuevo envío: Formulario de contacto",
    html="""<html><body><table class="jotform-table">
<tr><td class="questionColumn">Nombre</td><td class="valueColumn">Lucía García Pérez</td></tr>
<tr><td>Correo electrónico</td>
<td><a href="mailto:lucia.garcia@hotmail.es">lucia.garcia@hotmail.es</a></td></tr>
<tr><td>Teléfono</td><td>(+34) 612 345 678</td></tr>
<tr><td>Mensaje</td><td>Hola, quería pedir presupuesto para unas puertas de roble.</td></tr>
</table><p>Puede editar este envío en Jotform.</p></body></html>""",
    reply_to=("Jotform", "noreply@jotform.com"), lead="lucia.garcia@hotmail.es",
    name="Lucía García Pérez")

GOOGLE_FORMS = Notification(
    "Google Forms", ("Form Notifications", "forms-receipts-noreply@google.com"),
    "New response: Workshop enquiry",
    "A new response was submitted to Workshop enquiry.\n\nName\nTom Becker\n\n"
    "Email address\ntom@becker-architects.co.uk\n\nPhone number\n+44 7700 900123\n\n"
    "How can we help?\nWe are looking for a joiner for twelve sash windows in Bath.\n",
    lead="tom@becker-architects.co.uk", name="Tom Becker")

WIX = Notification(
    "Wix", ("Wix Forms", "no-reply@crm.wix.com"),
    "You've got a new submission: Contact Us",
    "Reyes Joinery has a new form submission.\n\nFirst Name: Sam\nLast Name: O'Neill\n"
    "Email: sam.oneill@oneill-cafe.ie\nPhone: 087 555 0199\n"
    "Message: Do you build café counters? We open in March.\n\nView submission in Wix\n",
    lead="sam.oneill@oneill-cafe.ie", name="Sam O'Neill")

SQUARESPACE = Notification(
    "Squarespace", ("Squarespace", "form-submission@squarespace.info"),
    "Form Submission - New Form - Kitchen project",
    html="""<html><body><div><p>Sent via form submission from <b>Reyes Joinery</b></p>
<p><strong>Name:</strong> Ana Souza</p><p><strong>Email:</strong> ana.souza@souza-design.com</p>
<p><strong>Subject:</strong> Kitchen project</p>
<p><strong>Message:</strong> We would like a quote for a walnut kitchen island.</p>
</div></body></html>""",
    reply_to=("Ana Souza", "ana.souza@souza-design.com"), lead="ana.souza@souza-design.com",
    name="Ana Souza")

HUBSPOT = Notification(
    "HubSpot", ("HubSpot", "noreply@notifications.hubspot.com"),
    "New form submission on Contact us",
    "Contact us has a new submission.\n\nfirstname: Kenji\nlastname: Watanabe\n"
    "email: kenji@watanabe-hotels.jp\ncompany: Watanabe Hotels\n"
    "message: Looking for reception desks for two hotels.\n\nView contact record\n",
    lead="kenji@watanabe-hotels.jp", name="Kenji Watanabe")

WEBFLOW_DE = Notification(
    "Webflow", ("Webflow", "no-reply-forms@webflow.com"),
    "Neue Formulareinsendung von Reyes Tischlerei",
    "Sie haben eine neue Formulareinsendung auf Reyes Tischlerei.\n\nName: Petra Kühn\n"
    "E-Mail-Adresse: petra.kuehn@web.de\nTelefonnummer: 0151 2345678\n"
    "Nachricht: Bitte um Rückruf wegen eines Einbauschranks.\n",
    lead="petra.kuehn@web.de", name="Petra Kühn")

ALL = (CF7, GRAVITY_DE, TYPEFORM_FR, JOTFORM_ES, GOOGLE_FORMS, WIX, SQUARESPACE, HUBSPOT,
       WEBFLOW_DE)

UNREADABLE = Notification(
    "Jotform, fields hidden", ("Jotform", "noreply@jotform.com"),
    "Nuevo envío: Formulario de contacto",
    "Tiene un nuevo envío en Formulario de contacto.\nInicie sesión en Jotform para verlo.\n")
SERVICE_ONLY = Notification(
    "Wix, own address in the email field", ("Wix Forms", "no-reply@crm.wix.com"),
    "You've got a new submission: Contact Us",
    "Name: Test\nEmail: no-reply@crm.wix.com\nMessage: test\n")
