"""The console layer: everything teleprinter shows goes through a renderer from here."""
