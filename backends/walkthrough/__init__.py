"""What the walkthrough (`docs/walkthrough/`) needs beyond the library: timings a chapter may draw a
conclusion from (`measurements`), the diagrams it draws (`diagrams`), and its HTML pages (`pages`).
The chapters reach all of it through `backends.teaching`."""
