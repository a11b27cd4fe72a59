"""Interactive chat: a conversation kept across turns, a prompt_toolkit REPL and crash-safe transcripts."""
