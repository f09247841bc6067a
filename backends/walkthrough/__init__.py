"""What the walkthrough (`docs/walkthrough/`) needs beyond the library: what a chapter may conclude
from a measurement, and in what words (`conclusions`), the code it shows (`followed_source`,
`source_view`), the diagrams it draws (`diagrams`), and its HTML pages (`pages`). The chapters
reach all of it through `backends.teaching`."""
