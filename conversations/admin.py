# ConversationTurn has a composite primary key (id, seq); Django 5.2's admin cannot register such
# a model. Conversations are browsed through GET /api/conversations instead.
