"""Working-day calendar (工作日): the centre's holiday table, chinesecalendar, then weekends only."""
