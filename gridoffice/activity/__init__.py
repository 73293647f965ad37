"""The daily work of the grid: visits and their due dates, daily logs, must-visit cases, message boards, team reviews."""
