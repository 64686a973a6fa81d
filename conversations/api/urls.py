from django.urls import path

from conversations.api import views

urlpatterns = [
    path("ask", views.AskView.as_view(), name="ask"),
    path("conversations", views.ConversationListView.as_view(), name="conversations"),
    path("conversations/<str:conversation_id>", views.ConversationDetailView.as_view(), name="conversation-detail"),
]
