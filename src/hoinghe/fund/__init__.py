"""The Farmer Support Fund: loan applications under Decree 37/2023 and the priority of professional units."""
