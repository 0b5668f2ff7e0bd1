"""Co-design rules, one module per topic:

- prototypes: create and edit, the stages, the board and a prototype's page
- support: supporting (and "I would buy at"), polls and votes, and the counts a page shows
- pledges: pledging and the early-bird offer a pledge earns (orders.early_bird asks here)
- comments: comments, likes, reports and moderation
- updates: asks and the supplier's updates
- launch: the loop back into the catalog, the product's co-design story, telling supporters
- analytics: what a supplier learns from the feedback

Import from the module. The names are also here so older imports keep working."""
from blueprints.codesign.services.analytics import Analytics, analytics
from blueprints.codesign.services.comments import (COMMENT_MAX, EDIT_WINDOW, add_comment, can_edit, check_body,
                                                   comments_for, delete_comment, edit_comment, liked_by, moderate,
                                                   open_reports, report, toggle_like)
from blueprints.codesign.services.launch import (CoDesignStory, co_design_story, launch, origin_of,
                                                 supporters_and_pledgers, tell_supporters_of_launch)
from blueprints.codesign.services.pledges import (EARLY_BIRD_DAYS, cancel_pledge, early_bird_pledge, early_bird_price,
                                                  open_early_bird_pledge, pledge)
from blueprints.codesign.services.prototypes import (SORTS, TRANSITIONS, PrototypeDetails, accept, add_images, board,
                                                     close_due_prototypes, close_for_review, create_prototype, decline,
                                                     is_member_of_supplier, move_to_stage, open_prototype,
                                                     prototype_for_page, prototype_opened, require_open,
                                                     require_prototype_editor, require_signed_in, settle_stage,
                                                     supplier_prototypes, update_prototype)
from blueprints.codesign.services.support import (Tally, add_poll, set_would_buy_at, support_prototype, tally, vote,
                                                  winning_options, withdraw_support)
from blueprints.codesign.services.updates import answer_ask, asks_for, make_ask, post_update, updates_for

__all__ = [
    "Analytics", "analytics",
    "COMMENT_MAX", "EDIT_WINDOW", "add_comment", "can_edit", "check_body", "comments_for", "delete_comment",
    "edit_comment", "liked_by", "moderate", "open_reports", "report", "toggle_like",
    "CoDesignStory", "co_design_story", "launch", "origin_of", "supporters_and_pledgers", "tell_supporters_of_launch",
    "EARLY_BIRD_DAYS", "cancel_pledge", "early_bird_pledge", "early_bird_price", "open_early_bird_pledge", "pledge",
    "SORTS", "TRANSITIONS", "PrototypeDetails", "accept", "add_images", "board", "close_due_prototypes",
    "close_for_review", "create_prototype", "decline", "is_member_of_supplier", "move_to_stage", "open_prototype",
    "prototype_for_page", "prototype_opened", "require_open", "require_prototype_editor", "require_signed_in",
    "settle_stage", "supplier_prototypes", "update_prototype",
    "Tally", "add_poll", "set_would_buy_at", "support_prototype", "tally", "vote", "winning_options",
    "withdraw_support",
    "answer_ask", "asks_for", "make_ask", "post_update", "updates_for",
]
