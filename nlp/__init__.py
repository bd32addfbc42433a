"""The spaCy layer: registered components that find countries, companies and commitments.

Importing ``nlp`` registers nothing; :func:`nlp.extract.load_pipeline` imports the component
modules (which register their factories) and builds the pipeline from ``nlp/config.cfg``.
"""
