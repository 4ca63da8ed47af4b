{#-
    A record's date belongs to the return's period (returns.md: a record dated outside it is
    refused). With last_day_only=true the date must be the period's last day (workforce
    snapshot_date). `period_column` names the column holding the YYYY-YY-Qn period.
-#}
{% test within_period(model, column_name, period_column='period', last_day_only=false) %}

    select
        {{ period_column }} as period,
        {{ column_name }} as out_of_period
    from {{ model }}
    where
        {{ column_name }} is not null
        {%- if last_day_only %}
            and {{ column_name }} <> {{ period_end_date(period_column) }}
        {%- else %}
            and (
                {{ column_name }} < {{ period_start_date(period_column) }}
                or {{ column_name }} > {{ period_end_date(period_column) }}
            )
        {%- endif %}

{% endtest %}
