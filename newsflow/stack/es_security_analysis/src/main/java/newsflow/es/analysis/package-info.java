/**
 * The analysis components the Elasticsearch {@code .security} index names in its settings
 * ({@code pattern_capture}, {@code uax_url_email}, {@code unique}), as a stable (named-component)
 * plugin. Elasticsearch's integ-test-zip ships without the analysis-common module that normally
 * provides them, so without this plugin the {@code .security} index cannot be created and API keys
 * (which are stored in it) cannot be used. {@code lowercase} is built into the server and is not
 * repeated here.
 */
package newsflow.es.analysis;
