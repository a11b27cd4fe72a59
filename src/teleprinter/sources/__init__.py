"""Sources translate LangChain's streaming surfaces into teleprinter events."""
