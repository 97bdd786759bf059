"""alerts: watch rules evaluated on the pipeline's events and positions, and their delivery.

rules      WatchRule, the TOML rules file, RuleBook (reloaded when the file changes)
engine     AlertEngine, a pipeline sink that turns events and positions into Alerts
delivery   the versioned JSON body; webhook / e-mail / JSON-lines delivery off the pipeline
journal    every alert and delivery attempt, on disk
history    running a rule over the stored history (``skytrace watch test``)
"""

from skytrace.alerts.delivery import DeliveryOptions, Dispatcher, SmtpConfig, alert_body
from skytrace.alerts.engine import Alert, AlertEngine, EngineOptions
from skytrace.alerts.journal import AlertJournal
from skytrace.alerts.rules import TRIGGERS, RuleBook, WatchRule, load_rules

__all__ = [
    "TRIGGERS",
    "Alert",
    "AlertEngine",
    "AlertJournal",
    "DeliveryOptions",
    "Dispatcher",
    "EngineOptions",
    "RuleBook",
    "SmtpConfig",
    "WatchRule",
    "alert_body",
    "load_rules",
]
