"""Personal-data masking in the HTML report: the decision lives in `tripwire.privacy`."""

from tripwire.privacy.looks import MAX_EXAMINED as MAX_EXAMINED
from tripwire.privacy.looks import looks_like_contact as looks_like_contact
from tripwire.privacy.looks import looks_personal as looks_personal
