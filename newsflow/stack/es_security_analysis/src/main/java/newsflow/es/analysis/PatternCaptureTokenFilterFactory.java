package newsflow.es.analysis;

import java.util.List;
import java.util.regex.Pattern;

import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.pattern.PatternCaptureGroupTokenFilter;
import org.elasticsearch.plugin.Inject;
import org.elasticsearch.plugin.NamedComponent;
import org.elasticsearch.plugin.analysis.TokenFilterFactory;

/** {@code pattern_capture}: Lucene's PatternCaptureGroupTokenFilter (the .security "email" filter). */
@NamedComponent("pattern_capture")
public class PatternCaptureTokenFilterFactory implements TokenFilterFactory {
    private final Pattern[] patterns;
    private final boolean preserveOriginal;

    @Inject
    public PatternCaptureTokenFilterFactory(PatternCaptureSettings settings) {
        List<String> regexes = settings.patterns();
        // the bare-name instance Elasticsearch builds with empty settings must not fail node-wide;
        // a filter configured with "type": "pattern_capture" needs patterns, as in analysis-common
        if (regexes.isEmpty() && settings.type().isEmpty() == false) {
            throw new IllegalArgumentException("pattern_capture requires [patterns]");
        }
        this.patterns = regexes.stream().map(Pattern::compile).toArray(Pattern[]::new);
        this.preserveOriginal = settings.preserveOriginal();
    }

    @Override
    public TokenStream create(TokenStream tokenStream) {
        if (patterns.length == 0) {
            throw new IllegalArgumentException("pattern_capture requires [patterns]");
        }
        return new PatternCaptureGroupTokenFilter(tokenStream, preserveOriginal, patterns);
    }
}
