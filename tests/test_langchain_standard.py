"""LangChain's own standard test suites, run against the real embedded model.

Unit tests: the whole ``ChatModelUnitTests``. Integration tests: the streaming parts the
issue asks for (``test_stream``, ``test_astream``, ``test_usage_metadata_streaming``) plus
the plain invoke/ainvoke/batch ones the base model can pass; tool calling, structured
output and multimodal input are switched off through the suite's own properties.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from langchain_tests.integration_tests import ChatModelIntegrationTests
from langchain_tests.unit_tests import ChatModelUnitTests

from teleprinter.providers.local import LocalChatModel


class ShortLocalChatModel(LocalChatModel):
    """Same model, shorter default answers so the suite runs in seconds (the suite sets its own
    ``max_tokens`` in some tests, so it cannot go in ``chat_model_params``)."""

    max_tokens: int = 32


class _Params:
    @property
    def chat_model_class(self) -> type[LocalChatModel]:
        return ShortLocalChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"temperature": 0.0}

    @property
    def has_tool_calling(self) -> bool:
        return False

    @property
    def has_structured_output(self) -> bool:
        return False

    @property
    def returns_usage_metadata(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return False


class TestLocalChatModelUnit(_Params, ChatModelUnitTests):
    pass


@pytest.mark.model
class TestLocalChatModelStreaming(_Params, ChatModelIntegrationTests):
    """Only the streaming and basic-call parts of the integration suite apply to a local base model."""

    KEPT: ClassVar[set[str]] = {
        "test_invoke",
        "test_ainvoke",
        "test_stream",
        "test_astream",
        "test_batch",
        "test_abatch",
        "test_usage_metadata",
        "test_usage_metadata_streaming",
        "test_stop_sequence",
        "test_conversation",
    }

    @pytest.fixture(autouse=True)
    def _only_streaming_parts(self, request: pytest.FixtureRequest) -> None:
        if request.node.originalname not in self.KEPT:
            pytest.skip("not applicable to a local base model (tools, structured output, multimodal)")
