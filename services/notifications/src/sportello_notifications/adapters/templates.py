"""Rendering messages from the Jinja2 templates shipped with the service."""

from email.message import EmailMessage

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from sportello_notifications.domain.messages import Mail, Text

_environment = Environment(
    loader=PackageLoader("sportello_notifications", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",)),
    undefined=StrictUndefined,  # a missing value is a bug, not an empty line in a customer's mail
    keep_trailing_newline=True,
)


class MailTemplates:
    """Renders mails as sent from `sender`."""

    def __init__(self, sender: str) -> None:
        self.sender = sender

    def render(self, mail: Mail) -> EmailMessage:
        return render(mail, self.sender)


def render(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    # Derived from the key, so a resent duplicate can be recognised by the recipient's client.
    message["Message-ID"] = f"<{mail.key.replace(':', '.')}@sportello.example>"
    message.set_content(_environment.get_template(f"{mail.template}.txt.j2").render(mail.context))
    message.add_alternative(
        _environment.get_template(f"{mail.template}.html.j2").render(mail.context), subtype="html"
    )
    return message


def render_text(text: Text) -> str:
    """A text message's body (plain: an SMS has no HTML to escape for)."""
    return _environment.get_template(f"{text.template}.sms.j2").render(text.context).strip()
