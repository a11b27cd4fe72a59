"""Seed snippet 2: a streaming model configured with a callback handler, then ``invoke``.

With the seed's Azure variables set (in the environment or ``.env``) this builds the seed's
``AzureChatOpenAI``; otherwise it runs the same code path offline on the embedded model.

    python examples/streaming_model_config.py [--replay]
"""

from __future__ import annotations

import os

from _model import chat_model, offline
from dotenv import load_dotenv
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from teleprinter import StreamingStdOutCallbackHandler


def azure_configured() -> bool:
    needed = ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_DEPLOYMENT_NAME")
    return not offline() and all(os.getenv(name) for name in needed)


def build_model(handler: StreamingStdOutCallbackHandler) -> BaseChatModel:
    if azure_configured():
        from langchain_openai import AzureChatOpenAI

        return AzureChatOpenAI(
            azure_endpoint=os.getenv("AZURE_OPENAI_ENDPOINT"),
            azure_deployment=os.getenv("AZURE_OPENAI_DEPLOYMENT_NAME"),
            api_version=os.getenv("AZURE_OPENAI_API_VERSION") or os.getenv("OPENAI_API_VERSION"),
            streaming=True,
            callbacks=[handler],
        )
    # the same configuration, offline: streaming=True makes invoke() stream through callbacks
    return chat_model("Paris is the capital of France.", streaming=True, callbacks=[handler])


def main() -> None:
    load_dotenv()
    handler = StreamingStdOutCallbackHandler()
    chat_model_ = build_model(handler)
    reply = chat_model_.invoke([HumanMessage("What is the capital of France?")])
    print()
    where = "azure" if azure_configured() else "offline"
    print(f"[{where} model, {handler.tokens_seen} tokens, {len(reply.text)} chars]")


if __name__ == "__main__":
    main()
