"""Plain-words texts that say what happened and what to do; `playground.advice` picks one.

Pure data, kept apart so wording can be reviewed (or translated) in one place.
"""

from __future__ import annotations

__all__ = ["CODE_ADVICE"]

# One text per documented `error.code` (contract §1, §6, §12).
CODE_ADVICE: dict[str, str] = {
    "AUTH_REQUIRED": "No API key was sent. Enter your ModelHunter API key (or set "
    "MODELHUNTER_KEY) and try again.",
    "AUTH_INVALID_TOKEN": "The API key was not recognised. Check that you pasted the whole "
    "key (it starts with river_live_ or river_test_) and that it has not been deleted.",
    "AUTH_TOKEN_EXPIRED": "The credentials you signed in with have expired. Create a fresh "
    "API key in the ModelHunter dashboard and use it.",
    "FORBIDDEN": "This key is not allowed to do that. Use a key with access to Kling video, "
    "or ask the account owner for access.",
    "KEY_PERMISSION_DENIED": "This key's permissions do not cover this action (for example "
    "video:create), or this computer's IP address is not on the key's allow-list. Widen the "
    "key's permissions in the dashboard or use another key.",
    "KEY_EXPIRED": "This API key has passed its expiry date. Create a new key in the "
    "dashboard and use it instead.",
    "KEY_REVOKED": "This API key has been deleted. Create a new key in the dashboard and "
    "use it instead.",
    "INSUFFICIENT_BALANCE": "Your ModelHunter balance is too low for this video. Top up in "
    "the dashboard (Billing), or pick a shorter or standard-mode video, then try again.",
    "VALIDATION_ERROR": "The API rejected some of the settings. Correct the setting it "
    "names and try again.",
    "INVALID_PARAMETER": "A setting has a value the API does not accept (out of range or "
    "the wrong type). Change it and try again.",
    "MISSING_PARAMETER": "A required setting is missing. Fill it in and try again.",
    "NOT_FOUND": "The API could not find what was asked for; it may have been deleted. "
    "Refresh and try again.",
    "MODEL_NOT_FOUND": "The API does not offer this model. Choose kling-v3 or kling-v2-6.",
    "TASK_NOT_FOUND": "The API has no task with this id for this key. It may have been "
    "made with another key or account; remove it from the list.",
    "PROVIDER_NOT_FOUND": "The API does not know this provider. This is a bug in the app; "
    "please report it.",
    "TASK_NOT_CANCELLABLE": "The task has already finished, so it can no longer be "
    "cancelled. Refresh to see its result.",
    "FILE_TOO_LARGE": "The file is bigger than the API accepts (100 MB; images 50 MB). "
    "Use a smaller or more compressed file.",
    "RATE_LIMIT_EXCEEDED": "Too many requests in a short time. Wait a little and try again.",
    "INTERNAL_ERROR": "ModelHunter had an unexpected error on its side. Try again in a "
    "minute; if it keeps happening, contact ModelHunter support.",
    "PROVIDER_ERROR": "Kling, the video provider, returned an error. Try again; if it "
    "repeats, change the prompt or the image.",
    "PROVIDER_UNAVAILABLE": "Kling, the video provider, is temporarily unavailable. Wait a "
    "few minutes and try again.",
}

# Fallbacks by error class, for codes the API has not documented.
PAYMENT = "The account cannot pay for this request. Check billing in the ModelHunter dashboard."
AUTH = "The API key was refused. Check the key and try again."
PERMISSION = (
    "This key is not allowed to do that. Check the key's permissions in the dashboard or "
    "use another key."
)
NOT_FOUND = "The API could not find what was asked for. Refresh and try again."
CONFLICT = (
    "The request conflicts with the current state (for example the task already finished). "
    "Refresh and try again."
)
BAD_REQUEST = "The API rejected the request as invalid. Check the settings and try again."
UNPROCESSABLE = (
    "The API could not process the request as given. Check the settings and the file, then "
    "try again."
)
SERVER = "ModelHunter is having trouble right now. Try again in a minute."
OTHER_STATUS = (
    "The API refused the request. Try again; if it repeats, report it with the request id."
)
RATE_LIMIT_WAIT = "Too many requests in a short time. Wait {seconds:.0f} s and try again."

TIMEOUT = "ModelHunter did not answer in time. Check your internet connection and try again."
CONNECTION = (
    "Could not reach ModelHunter. Check your internet connection (or proxy and firewall) "
    "and try again."
)
PROXY_ERROR_PAGE = (
    "ModelHunter, or a proxy in front of it, is having trouble and sent an error page. "
    "This is usually temporary; try again in a minute."
)
UNREADABLE_REPLY = (
    "ModelHunter sent a reply this app cannot read. Check that the API address is right "
    "and that no proxy or captive portal is in the way, then try again."
)
AMBIGUOUS_SUBMIT = (
    "The request was sent but its answer was lost or was a server error, so it is not yet "
    "known whether the video was started. Look it up before submitting again, so you are "
    "not charged twice."
)
POLL_TIMEOUT = (
    "The video is taking longer than expected. It keeps running on ModelHunter; check again later."
)
UPLOAD_REFUSED = "The upload link expired or was refused. Upload the file again."
UPLOAD_FAILED = "Uploading the file failed. Check your connection and upload it again."
RESULT_LINK_EXPIRED = (
    "The result link has expired (links last about 15 minutes). Refresh the task to get a "
    "new link, then download again."
)
DOWNLOAD_FAILED = "Downloading the video failed. Check your connection and try again."
UNKNOWN = "Something unexpected went wrong. Try again; if it repeats, report it."

# Task-level failures (HTTP 200, `status: failed`).
TASK_NO_REASON = "The video could not be made and the API gave no reason. Try again."
TASK_MODERATION = (
    "Kling refused the content under its moderation rules. Reword the prompt or use a "
    "different image, then try again."
)
TASK_PROVIDER = (
    "Kling could not make this video. Try again; if it repeats, try a different image "
    "(size, aspect ratio) or prompt."
)
TASK_FALLBACK = "The video could not be made. Try again; if it keeps failing, change the settings."
MODERATION_WORDS = ("moderation", "policy", "restricted", "sensitive", "safety", "inappropriate")
