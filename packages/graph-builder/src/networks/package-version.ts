/** The version of @enhance/graph-builder written into models (a test keeps it equal to package.json). */
export const GRAPH_BUILDER_VERSION = '0.1.0';
