"""The base of every NEXUS API view: DRF's APIView that also records who is asking, so the
services' audit trail (``mutation_history.actor``) names the user behind each write."""

from rest_framework.views import APIView

from common.actor import begin_acting, end_acting

ANONYMOUS = "anonymous"  # NEXUS_AUTH=open: nobody signed in


def actor_name(user) -> str:
    return user.get_username() if user is not None and user.is_authenticated else ANONYMOUS


class ApiView(APIView):
    records_actor = True  # False for views that never write (and must answer without the database)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, permissions, throttles
        if self.records_actor:
            self._actor_token = begin_acting(actor_name(request.user))

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_actor_token", None)
        if token is not None:
            end_acting(token)
            self._actor_token = None
        return super().finalize_response(request, response, *args, **kwargs)
