"""Imports every domain's tables so Base.metadata (and Alembic) sees the whole schema."""

from ggzy.aid import models as aid_models
from ggzy.archive import models as archive_models
from ggzy.auction import models as auction_models
from ggzy.audit import models as audit_models
from ggzy.auth import models as auth_models
from ggzy.award import models as award_models
from ggzy.bid import models as bid_models
from ggzy.evaluation import models as evaluation_models
from ggzy.exchange import models as exchange_models
from ggzy.expert import models as expert_models
from ggzy.fees import models as fees_models
from ggzy.kit.db import Base
from ggzy.notify import models as notify_models
from ggzy.opening import models as opening_models
from ggzy.party import models as party_models
from ggzy.project import models as project_models
from ggzy.publicity import models as publicity_models
from ggzy.supervision import models as supervision_models
from ggzy.tender import models as tender_models
from ggzy.venue import models as venue_models
from ggzy.workdays import models as workdays_models

__all__ = [
    "Base",
    "aid_models",
    "archive_models",
    "auction_models",
    "audit_models",
    "auth_models",
    "award_models",
    "bid_models",
    "evaluation_models",
    "exchange_models",
    "expert_models",
    "fees_models",
    "notify_models",
    "opening_models",
    "party_models",
    "project_models",
    "publicity_models",
    "supervision_models",
    "tender_models",
    "venue_models",
    "workdays_models",
]
