"""Rendering messages from the Jinja2 templates shipped with the service."""

from email.message import EmailMessage

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from sportello_notifications.domain.messages import Mail

_environment = Environment(
    loader=PackageLoader("sportello_notifications", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",)),
    undefined=StrictUndefined,  # a missing value is a bug, not an empty line in a customer's mail
    keep_trailing_newline=True,
)


def render(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Message-ID"] = f"<{mail.key}@sportello>"
    message.set_content(_environment.get_template(f"{mail.template}.txt.j2").render(mail.context))
    message.add_alternative(
        _environment.get_template(f"{mail.template}.html.j2").render(mail.context), subtype="html"
    )
    return message
