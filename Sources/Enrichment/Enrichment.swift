// Enrichment: what the enrich steps derive from an event and its request, without the
// pipeline around them: user agents, URLs and referrers, client addresses (anonymized, or
// looked up in a MaxMind-format database), keyed hashes. The steps in Stages/Enrich call it;
// the fuzz targets and the per-step benchmark link it alone.
