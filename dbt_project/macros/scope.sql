{#-
    Incremental measure models, rebuilt by (org, period) after a resubmission.

    A load that changed some (return, org, period) slots hands dbt their scope in the
    environment variable SWS_DBT_SCOPE, JSON {"orgs": [...], "from_period": "YYYY-YY-Qn" or
    null}: the orgs whose rows can change (the changed slots' orgs and REGION) and the
    earliest period that can (null: every period). It is read only when a model is built
    (`execute`), never while parsing, so a new scope costs no parse; a --vars value would
    make dbt parse the whole project again (its partial parse keys on the vars).

    Without a scope (a full build, the quarterly refresh, a model built from the UI) an
    incremental model replaces every row: `in_scope` is `true`.
-#}

{#- The load's scope, or none. The variable first: a unit test has no relation to ask
    `is_incremental` about; a model built anew (no table yet) gets every row. -#}
{% macro load_scope() -%}
    {%- set raw = env_var('SWS_DBT_SCOPE', '') if execute else '' -%}
    {%- if raw and is_incremental() -%}
        {{ return(fromjson(raw)) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- A predicate on the rows the load's scope may change: `org_column` among its orgs (no
    org column: the model is REGION's only) and `period_column` from its first period. -#}
{% macro in_scope(org_column, period_column) -%}
    {%- set scope = load_scope() -%}
    {%- if scope is none -%}
        true
    {%- else -%}
        {%- set terms = [] -%}
        {%- if org_column -%}
            {%- do terms.append(
                org_column ~ " in (" ~ _quoted(scope['orgs'] | list) ~ ")"
            ) -%}
        {%- endif -%}
        {%- if scope['from_period'] -%}
            {%- do terms.append(
                period_column ~ " >= " ~ _quoted([scope['from_period']])
            ) -%}
        {%- endif -%}
        {{ terms | join(' and ') if terms else 'true' }}
    {%- endif -%}
{%- endmacro %}

{#- Org codes and periods as SQL strings; the load sends only codes and periods, and anything
    else stops the build rather than reach the SQL. -#}
{% macro _quoted(values) -%}
    {%- for value in values -%}
        {%- if not modules.re.fullmatch('[A-Z0-9_]+|[0-9]{4}-[0-9]{2}-Q[1-4]', value) -%}
            {{ exceptions.raise_compiler_error('SWS_DBT_SCOPE: not an org or period: ' ~ value) }}
        {%- endif -%}
        '{{ value }}'{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- The `replace_scope` incremental strategy: delete the target's rows in the load's scope,
    insert the model's rows (which the model filters with `in_scope` on the same columns,
    config `scope_columns`). Rows outside the scope stay as they were; rows inside it that
    the model no longer yields are gone, as in a full build. -#}
{% macro get_incremental_replace_scope_sql(arg_dict) -%}
    {%- set columns = config.require('scope_columns') -%}
    {%- set dest_cols_csv = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ in_scope(columns[0], columns[1]) }};
    insert into {{ arg_dict['target_relation'] }} ({{ dest_cols_csv }})
    select {{ dest_cols_csv }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
