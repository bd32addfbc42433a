-- grain: one row per distinct figure in a document (no new object): commitments record the named
-- project or programme the extractor linked the figure to (nlp/projects.py: the project its
-- sentence names, else the nearest one in its paragraph), and mentions also hold project names
-- (kind 'project'), so reports of one project can be found by name. Rows extracted before this
-- column existed keep null until `tracker reextract` runs.
alter table commitments add column project varchar;

comment on column commitments.project is 'Canonical name of the named project or programme the figure belongs to, e.g. Stargate UAE, IndiaAI Mission (the list in nlp/data/projects.jsonl, or a name found in the text: "a campus called X", "Project X"): the one its sentence names, else the nearest one in its paragraph. null when neither names one, or for figures extracted before projects existed.';
comment on column mentions.kind is 'country, company or project.';
comment on column mentions.value is 'Normalised value: ISO alpha-2 code for a country, canonical short name for a company, canonical name for a project or programme (e.g. Stargate UAE).';
