"""A local HTTP stand-in for OpenAI's chat completions and embeddings endpoints (OpenAI cannot be
reached from tests). Embeddings are the local provider's vectors so retrieval stays deterministic."""

import time

from tests.http_stand_in import JsonHandler, StandInServer


class OpenAIStandIn(StandInServer):
    def __init__(self):
        self.requests: list[dict] = []  # chat completions only
        self.embedding_requests = 0
        self.reply_text = "stand-in answer"
        self.usage = {"prompt_tokens": 1000, "completion_tokens": 200}
        self.status = 200
        self.delay = 0.0
        stand_in = self

        class Handler(JsonHandler):
            def do_POST(self):  # noqa: N802
                body = self.read_json()
                if self.path.endswith("/embeddings"):
                    return self._embeddings(body)
                stand_in.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if stand_in.delay:
                    time.sleep(stand_in.delay)
                if stand_in.status == 0:  # hang up without answering
                    self.close_connection = True
                    return
                text = stand_in.reply_text(body) if callable(stand_in.reply_text) else stand_in.reply_text
                payload = (
                    {"error": {"message": "stand-in failure"}}
                    if stand_in.status != 200
                    else {
                        "id": "chatcmpl-standin",
                        "object": "chat.completion",
                        "model": body.get("model"),
                        "choices": [
                            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                        ],
                        "usage": {**stand_in.usage, "total_tokens": sum(stand_in.usage.values())},
                    }
                )
                self.send_json(stand_in.status, payload)

            def _embeddings(self, body):
                """Embeddings answer with the hash provider's vectors, so retrieval behaves as offline."""
                from graph.embeddings import HashProvider

                stand_in.embedding_requests += 1
                provider = HashProvider(int(body.get("dimensions") or 3072))
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                self.send_json(
                    200,
                    {
                        "object": "list",
                        "model": body.get("model"),
                        "data": [
                            {"object": "embedding", "index": i, "embedding": provider.embed_one(t)}
                            for i, t in enumerate(texts)
                        ],
                        "usage": {"prompt_tokens": sum(len(t.split()) for t in texts)},
                    },
                )

        super().__init__(Handler, "/v1")
