package newsflow.es.analysis;

import org.apache.lucene.analysis.TokenStream;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/** {@code unique}: emit each term once (the last filter of the .security "email" analyzer). */
@NamedComponent("unique")
public class UniqueTokenFilterFactory implements TokenFilterFactory {
    private final boolean onlyOnSamePosition;

    @Inject
    public UniqueTokenFilterFactory(UniqueSettings settings) {
        this.onlyOnSamePosition = settings.onlyOnSamePosition();
    }

    @Override
    public TokenStream create(TokenStream tokenStream) {
        return new UniqueTokenFilter(tokenStream, onlyOnSamePosition);
    }
}
