// Collections share one machine's two cores with a browser and servers; the revocation tests time themselves
// to the second, so collections run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
